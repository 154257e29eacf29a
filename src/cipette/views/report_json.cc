#include "cipette/views/report_json.h"
