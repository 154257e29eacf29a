#include "cipette/demo/demo_history.h"
