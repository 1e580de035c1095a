// The local ATOL Online v5 compatible server (scripts/atol_server.py) as a test fixture: started
// on a free loopback port with a fault plan, and its journal (what it registered, per
// external_id) read over its control API.
#pragma once

#include <httplib.h>

#include <chrono>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "harness.hpp"
#include "http_worker.hpp"

namespace kassa::testing {

class AtolDouble {
 public:
  static constexpr const char* kLogin = "kassa-test";
  static constexpr const char* kPassword = "atol-test-secret";
  static constexpr const char* kGroup = "kassa-test-group";

  // `faults`: the server's --faults SPEC (e.g. "fail=0.05,timeout=0.05"); `extra`: more options.
  explicit AtolDouble(const std::string& faults = "", std::vector<std::string> extra = {})
      : port_(free_port()) {
    std::vector<std::string> args = {
        "/usr/bin/python3", std::string(KASSA_SOURCE_DIR) + "/scripts/atol_server.py",
        "--listen",         "127.0.0.1:" + std::to_string(port_),
        "--login",          kLogin,
        "--password",       kPassword,
        "--group",          kGroup};
    if (!faults.empty()) {
      args.push_back("--faults");
      args.push_back(faults);
    }
    args.insert(args.end(), extra.begin(), extra.end());
    process_.emplace(args, std::vector<std::string>{"PATH=/usr/bin:/bin"});
    const auto deadline = Clock::now() + std::chrono::seconds(20);
    while (Clock::now() < deadline) {
      if (get("/_double/health").first == 200) return;
      std::this_thread::sleep_for(std::chrono::milliseconds(50));  // polling, bounded
    }
    throw std::runtime_error("the local ATOL server did not start on port " +
                             std::to_string(port_));
  }

  std::string base_url() const {
    return "http://127.0.0.1:" + std::to_string(port_) + "/possystem/v5";
  }

  // The settings that point `kassa gateway` here.
  std::map<std::string, std::string> settings() const {
    return {{"KASSA_ATOL_URL", base_url()},
            {"KASSA_ATOL_LOGIN", kLogin},
            {"KASSA_ATOL_PASSWORD", kPassword},
            {"KASSA_ATOL_GROUP", kGroup}};
  }

  nlohmann::json journal() const {
    const auto [status, body] = get("/_double/journal");
    if (status != 200) throw std::runtime_error("journal: HTTP " + std::to_string(status));
    return nlohmann::json::parse(body);
  }

  // Per external_id, its journal entry.
  std::map<std::string, nlohmann::json> registrations() const {
    std::map<std::string, nlohmann::json> out;
    const auto all = journal();  // not in the for: a temporary there would die before the loop
    for (const auto& entry : all.at("registrations"))
      out[entry.at("external_id").get<std::string>()] = entry;
    return out;
  }

  void set_faults(const nlohmann::json& faults) const {
    httplib::Client client("127.0.0.1", port_);
    const auto response = client.Post("/_double/faults", faults.dump(), "application/json");
    if (!response || response->status != 200) throw std::runtime_error("setting faults failed");
  }

 private:
  std::pair<int, std::string> get(const std::string& path) const {
    httplib::Client client("127.0.0.1", port_);
    client.set_connection_timeout(1);
    client.set_read_timeout(10);
    const auto response = client.Get(path.c_str());
    if (!response) return {0, ""};
    return {response->status, response->body};
  }

  int port_;
  std::optional<Process> process_;
};

}  // namespace kassa::testing
