#include "cipette/collector/sync.h"
