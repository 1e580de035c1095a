#include "app/gateway.hpp"

#include <algorithm>
#include <chrono>
#include <thread>

#include "app/atol_client.hpp"
#include "app/background.hpp"
#include "app/clock.hpp"
#include "contract/atol_answer.hpp"
#include "store/database.hpp"
#include "store/registration_store.hpp"
#include "support/log.hpp"

namespace kassa::app {
namespace {

using contract::AtolAnswer;
using contract::AtolVerdict;
using std::chrono::milliseconds;
using Clock = std::chrono::steady_clock;

constexpr milliseconds kMaxBackoff{60'000};

// base × 2^(n-1), at most a minute.
milliseconds backoff(milliseconds base, int n) {
  const int shift = std::clamp(n - 1, 0, 16);
  return std::min(kMaxBackoff, milliseconds(base.count() << shift));
}

class Gateway {
 public:
  Gateway(const Config& config, Metrics& metrics, const std::atomic<bool>& stop)
      : config_(config),
        metrics_(metrics),
        stop_(stop),
        client_(config.atol.url, config.atol.timeout),
        database_(config.pg_dsn) {}

  GatewaySummary run(const GatewayOptions& options) {
    const auto lease = gateway_lease(config_);
    while (!stop_.load()) {
      if (options.heartbeat != nullptr) options.heartbeat->store(steady_now_ms());
      try {
        if (!turn(options, lease)) break;
      } catch (const std::exception& e) {
        // The answer of a request in flight is lost with the connection: its row falls due
        // again when its lease runs out, and the resend is answered with code 33.
        if (!store::is_transient(e)) throw;
        log::warn(std::string("gateway: database unavailable, retrying: ") + e.what());
        database_.reset();
        wakeup_.pause(milliseconds(1000), stop_);
      }
    }
    return summary_;
  }

 private:
  // One round: the due rows, or a wait until one falls due. False once --until-idle is done.
  bool turn(const GatewayOptions& options, std::chrono::seconds lease) {
    const auto due = store::lease_due(database_.connection(), options.batch, lease);
    if (due.empty()) {
      const auto waiting = store::waiting_summary(database_.connection());
      if (waiting.waiting == 0 && options.until_idle) return false;
      wakeup_.pause(std::min(waiting.next_due_in.value_or(milliseconds(1000)), milliseconds(1000)),
                    stop_);
      return true;
    }
    for (const auto& row : due) {
      if (stop_.load()) break;  // the rest fall due again when their lease runs out
      handle(row);
    }
    return true;
  }

  void handle(const store::DueRegistration& row) {
    const bool sending = row.uuid.empty();
    const std::string request = sending ? row.operation : "report";
    AtolAnswer answer = call(row, request);
    if (answer.verdict == AtolVerdict::new_token) {
      token_.clear();
      answer = call(row, request);
    }
    metrics_.count_atol_request(request, std::string(contract::atol_verdict_name(answer.verdict)));
    const std::string uuid = answer.uuid.empty() ? row.uuid : answer.uuid;
    auto& db = database_.connection();
    switch (answer.verdict) {
      case AtolVerdict::waiting:
        if (uuid.empty()) {  // "wait" without a uuid: nothing to follow, so send again
          answer.error_text = "an answer with status wait but no uuid";
          retry(row, answer, milliseconds(1000));
          return;
        }
        if (answer.error_code == 33) {
          ++summary_.duplicates;
          log::info("gateway: " + row.external_id + " was already accepted (code 33), following " +
                    uuid);
        }
        fault_point("gateway_after_accept");
        store::record_accepted(
            db, row.external_id, uuid,
            sending ? config_.atol.first_poll : backoff(config_.atol.first_poll, row.polls + 2));
        return;
      case AtolVerdict::registered:
        if (store::record_done(db, row.external_id, uuid, *answer.fiscal)) {
          ++summary_.done;
          metrics_.count_registration("done");
        }
        return;
      case AtolVerdict::failed:
        if (store::record_failed(db, row.external_id, uuid, answer)) {
          ++summary_.failed;
          metrics_.count_registration("fail");
          log::error("gateway: receipt " + row.receipt_id + " (" + row.operation +
                     ") was not registered: code " +
                     (answer.error_code ? std::to_string(*answer.error_code) : "none") + ", " +
                     answer.error_text + "; see `kassa receipts correct`");
        }
        return;
      case AtolVerdict::misconfigured:
        log::error("gateway: the API refused " + request + " for " + row.external_id + " (" +
                   (answer.error_code ? "code " + std::to_string(*answer.error_code) + ", " : "") +
                   answer.error_text +
                   "): check KASSA_ATOL_URL, KASSA_ATOL_GROUP and the login; retrying in a minute");
        retry(row, answer, kMaxBackoff);
        return;
      case AtolVerdict::granted:  // a token where a registration was expected
      case AtolVerdict::new_token:
      case AtolVerdict::retry:
        retry(row, answer, backoff(milliseconds(1000), row.retries + 1));
        return;
    }
  }

  void retry(const store::DueRegistration& row, const AtolAnswer& answer, milliseconds next) {
    ++summary_.retries;
    log::warn("gateway: " + row.external_id + ": " + answer.error_text + "; again in " +
              std::to_string(next.count()) + " ms");
    store::record_retry(database_.connection(), row.external_id, next, answer);
  }

  AtolAnswer call(const store::DueRegistration& row, const std::string& request) {
    if (token_.empty() || Clock::now() >= token_expires_) {
      AtolAnswer granted = obtain_token();
      if (granted.verdict != AtolVerdict::granted) return granted;
    }
    HttpAnswer http;
    if (request == "report") {
      pace_report();
      ++summary_.reports;
      http = client_.report(config_.atol.group, row.uuid, token_);
    } else {
      ++summary_.sent;
      http = client_.register_receipt(config_.atol.group, row.operation, row.body, token_);
    }
    AtolAnswer answer = contract::interpret_atol_answer(http.status, http.body);
    if (http.status == 0) answer.error_text = "no answer: " + http.transport_error;
    return answer;
  }

  AtolAnswer obtain_token() {
    const HttpAnswer http = client_.get_token(config_.atol.login, config_.atol.password);
    AtolAnswer answer = contract::interpret_atol_answer(http.status, http.body);
    if (http.status == 0) answer.error_text = "no answer: " + http.transport_error;
    metrics_.count_atol_request("getToken",
                                std::string(contract::atol_verdict_name(answer.verdict)));
    if (answer.verdict == AtolVerdict::granted) {
      token_ = answer.token;
      // Valid 24 h; renewed an hour early so that no request goes out with a token about to lapse.
      token_expires_ = Clock::now() + std::chrono::hours(23);
    } else if (answer.verdict != AtolVerdict::retry) {
      // A wrong login is not the receipt's fault: keep it waiting, an operator fixes the login.
      answer.verdict = AtolVerdict::misconfigured;
      answer.error_text = "getToken: " + answer.error_text;
    }
    return answer;
  }

  // At most KASSA_ATOL_REPORT_RATE report requests a second (the API's limit is per register).
  void pace_report() {
    const auto gap = std::chrono::duration_cast<Clock::duration>(
        std::chrono::microseconds(1'000'000 / std::max<std::size_t>(1, config_.atol.report_rate)));
    const auto now = Clock::now();
    if (next_report_ > now) {
      wakeup_.pause(std::chrono::duration_cast<milliseconds>(next_report_ - now), stop_);
    }
    next_report_ = std::max(now, next_report_) + gap;
  }

  const Config& config_;
  Metrics& metrics_;
  const std::atomic<bool>& stop_;
  AtolClient client_;
  store::Database database_;
  Wakeup wakeup_;
  std::string token_;
  Clock::time_point token_expires_{};
  Clock::time_point next_report_{};
  GatewaySummary summary_;
};

}  // namespace

std::int64_t steady_now_ms() {
  return std::chrono::duration_cast<milliseconds>(Clock::now().time_since_epoch()).count();
}

std::chrono::seconds gateway_lease(const Config& config) {
  return std::chrono::duration_cast<std::chrono::seconds>(config.atol.timeout * 4) +
         std::chrono::seconds(5);
}

std::chrono::milliseconds gateway_stall_limit(const Config& config) {
  return gateway_lease(config) + config.liveness_timeout;
}

GatewaySummary run_gateway(const Config& config, const GatewayOptions& options, Metrics& metrics,
                           const std::atomic<bool>& stop) {
  if (config.atol.url.empty())
    throw ConfigError("KASSA_ATOL_URL is empty: the gateway needs the ATOL API's base URL");
  if (config.atol.group.empty()) throw ConfigError("KASSA_ATOL_GROUP is empty");
  if (config.atol.login.empty()) throw ConfigError("KASSA_ATOL_LOGIN is empty");
  Gateway gateway(config, metrics, stop);
  return gateway.run(options);
}

}  // namespace kassa::app
