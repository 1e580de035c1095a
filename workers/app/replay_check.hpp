// The dry run's history check: every order a replay window touches is rebuilt from its full
// history (pure batch function, in memory) and each receipt and package stored for it is compared
// byte for byte with the rebuilt one. Receipts are a function of the events (and kassa.merchants);
// packages also of the numbers they were given, which the check takes from kassa.documents
// (numbers depend on the order of issue across orders, which one order's history cannot tell).
// A stored package that is rendered is compared as its published message, files re-drawn.
#pragma once

#include <atomic>
#include <set>
#include <string>

#include "app/config.hpp"
#include "app/replay.hpp"

namespace kassa::app {

void check_history(const Config& config, const ReplayOptions& options,
                   const std::set<std::string>& touched, const std::atomic<bool>& stop,
                   ReplaySummary& summary);

}  // namespace kassa::app
