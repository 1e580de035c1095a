// Thread names (seen in top -H, perf and core dumps) and the background priority of work that
// can wait, such as drawing PDFs, so it never slows the consumer that issues receipts.
#pragma once

namespace kassa::support {

// Names the calling thread; Linux keeps the first 15 characters.
void name_this_thread(const char* name);
// Names the calling thread and lowers its CPU priority (nice +10, this thread only). Lowering is
// always allowed; failures are ignored, the work just runs at the normal priority.
void background_thread(const char* name);

}  // namespace kassa::support
