#pragma once

// The incremental sync use case (issue 3): which pages to fetch, cursors, checkpoints, progress.
