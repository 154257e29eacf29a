#include "cipette/github/run_json.h"
