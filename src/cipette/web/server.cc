#include "cipette/web/server.h"
