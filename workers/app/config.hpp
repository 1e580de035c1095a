// kassa's configuration: environment variables (contract section 5), optionally preceded by a
// --config file of KEY=VALUE lines with the same keys. Precedence: environment, then the file,
// then the defaults below. Secrets (a password in the DSN) belong in the environment.
#pragma once

#include <chrono>
#include <cstddef>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "bus/kafka.hpp"
#include "core/package.hpp"
#include "core/receipt.hpp"

namespace kassa::app {

struct ConfigError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

struct Config {
  std::string pg_dsn = "postgresql://kassa@127.0.0.1:55432/kassa";
  std::string brokers = "127.0.0.1:59092";
  std::string group_id = "kassa";
  std::string topic_payments = "invoicebox.payments.v1";
  std::string topic_shipments = "invoicebox.shipments.v1";
  std::string topic_refunds = "invoicebox.refunds.v1";
  // Partner flows (contract section 6): the merchants table every worker reads, and payouts.
  std::string topic_merchants = "invoicebox.merchants.v1";
  std::string topic_payouts = "invoicebox.payouts.v1";
  // KASSA_UNKNOWN_MERCHANT: an order event whose merchant has no merchant event yet waits
  // (parked, orphan_event after the grace) or gets the configured default supplier.
  enum class UnknownMerchant { wait, use_default };
  UnknownMerchant unknown_merchant = UnknownMerchant::wait;
  // KASSA_PAYOUT_GRACE: a paid order whose net is in no payout after this long is not_paid_out.
  std::chrono::seconds payout_grace{72 * 3600};
  std::string topic_receipts = "kassa.receipts.v1";
  std::string topic_documents = "kassa.documents.v1";
  std::string topic_dlq = "kassa.dlq.v1";
  std::string http_addr = "127.0.0.1:9464";  // empty: no HTTP endpoint
  std::chrono::seconds orphan_grace{24 * 3600};
  std::size_t batch_max_messages = 500;
  std::size_t consumers = 1;  // consumer loops in one `kassa run` (members of the same group)
  std::chrono::milliseconds batch_max_wait{200};
  std::chrono::milliseconds merge_grace{2000};  // bus/consumer.hpp, "Order across topics"
  std::size_t relay_batch = 500;
  std::chrono::seconds outbox_retention{7 * 24 * 3600};  // published outbox rows are kept this long
  std::string log_level = "info";
  bus::Settings kafka_extra;  // KASSA_KAFKA_<PROPERTY>
  core::Seller seller;        // KASSA_SELLER_*, KASSA_AGENT_TYPE, KASSA_DEFAULT_SUPPLIER_*
  std::string atol_callback_url;
  // The cash-register gateway (`kassa gateway`), KASSA_ATOL_*.
  struct Atol {
    std::string url;  // base, e.g. https://online.atol.ru/possystem/v5
    std::string login, password, group;
    std::chrono::milliseconds timeout{30'000};
    std::size_t report_rate = 1;                 // report requests per second at most
    std::chrono::milliseconds first_poll{5000};  // after a receipt was accepted
  } atol;
  // KASSA_ALLOW_DEMO_DATA: lets `kassa run` issue receipts with placeholder requisites (a demo).
  bool allow_demo_data = false;
  // Outside any source tree: default_documents_dir() unless KASSA_DOCUMENTS_DIR says otherwise;
  // empty keeps package files in PostgreSQL only.
  std::string documents_dir;
  std::string font_dir = "/usr/share/fonts/truetype/dejavu";
  std::string smtp_addr;  // host:port of the SMTP relay; empty: packages are not e-mailed
  std::string smtp_from = "documents@invoicebox.ru";
  // FNS XML (УПД): who signs it (KASSA_SIGNER_*; required to draw the act's and TORG-12's XML)
  // and the agent's own EDO participant id (KASSA_SELLER_EDO_ID; empty: none).
  core::Signer signer;
  std::string seller_edo_id;
  // The serialized dead letter plus its key stay within this; a larger original is cut (contract
  // section 3). Under librdkafka's default message.max.bytes (1,000,000), with a margin.
  std::size_t dlq_max_bytes = 900'000;
  // /healthz fails when the poll loop or the relay has not come round for this long.
  std::chrono::milliseconds liveness_timeout{20'000};
  // /readyz turns false when outbox rows wait and nothing was published for this long.
  std::chrono::milliseconds relay_stall_after{60'000};

  std::vector<std::string> input_topics() const {
    return {topic_payments, topic_shipments, topic_refunds};
  }
};

// One row of the configuration table (README and `kassa --help` print it).
struct ConfigKey {
  const char* name;
  const char* default_value;
  const char* meaning;
};
const std::vector<ConfigKey>& config_keys();

Config load_config(const std::optional<std::string>& file);

// What a cash register would refuse: the registering agent's or the default supplier's INN left at
// a placeholder (one digit repeated, as the built-in defaults), or a payment agent without the
// phones ATOL v5 requires (tags 1073, 1074, 1171). Empty when the requisites are real.
std::vector<std::string> placeholder_requisites(const Config& config);

// For the commands that issue receipts and documents: throws ConfigError listing
// placeholder_requisites(), unless KASSA_ALLOW_DEMO_DATA is set (then it warns, and a missing
// signer becomes a visibly fake one so that packages still render).
void require_real_requisites(Config& config);

// $XDG_DATA_HOME/kassa/documents, else $HOME/.local/share/kassa/documents, else
// /var/lib/kassa/documents: a data folder of the user, never the working directory.
std::string default_documents_dir();

// "24h", "90m", "30s", "250ms", "2d" -> duration.
std::chrono::milliseconds parse_duration(const std::string& text);

// Scratch topics (tests, benchmarks): every input and output topic named PREFIX + its role
// (payments, shipments, refunds, merchants, payouts, dlq, receipts, documents).
void prefix_topics(Config& config, const std::string& prefix);

}  // namespace kassa::app
