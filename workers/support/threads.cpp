#include "support/threads.hpp"

#include <pthread.h>
#include <sys/resource.h>
#include <unistd.h>

#include <string>

namespace kassa::support {

void name_this_thread(const char* name) {
  const std::string shortened = std::string(name).substr(0, 15);
  pthread_setname_np(pthread_self(), shortened.c_str());
}

void background_thread(const char* name) {
  name_this_thread(name);
  // On Linux the nice value is per thread: PRIO_PROCESS with a thread id sets that thread's.
  setpriority(PRIO_PROCESS, static_cast<id_t>(gettid()), 10);
}

}  // namespace kassa::support
