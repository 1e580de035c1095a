#include "app/db_gauges.hpp"

#include "store/recon_store.hpp"
#include "support/log.hpp"
#include "support/threads.hpp"

namespace kassa::app {

bool DatabaseGauges::refresh() {
  try {
    metrics_.set_operations(store::operations_snapshot(database_.connection()));
    return true;
  } catch (const std::exception& e) {
    log::warn(std::string("gauges: ") + e.what());
    if (store::is_transient(e)) database_.reset();
    return false;
  }
}

void DatabaseGauges::run(const std::atomic<bool>& stop) {
  support::name_this_thread("kassa-gauges");
  while (!stop.load()) {
    refresh();
    wakeup_.wait(std::chrono::seconds(15), stop);
  }
}

}  // namespace kassa::app
