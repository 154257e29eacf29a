#include "cipette/storage/sqlite_store.h"
