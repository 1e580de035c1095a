#include "app/config.hpp"

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <map>
#include <string_view>

#include "app/smtp.hpp"
#include "support/log.hpp"

extern char** environ;

namespace kassa::app {

const std::vector<ConfigKey>& config_keys() {
  static const std::vector<ConfigKey> keys = {
      {"KASSA_PG_DSN", "postgresql://kassa@127.0.0.1:55432/kassa",
       "PostgreSQL, libpq conninfo or URI"},
      {"KASSA_KAFKA_BROKERS", "127.0.0.1:59092", "Kafka bootstrap servers"},
      {"KASSA_GROUP_ID", "kassa", "consumer group of `kassa run`"},
      {"KASSA_TOPIC_PAYMENTS", "invoicebox.payments.v1", "input: payment.succeeded"},
      {"KASSA_TOPIC_SHIPMENTS", "invoicebox.shipments.v1", "input: shipment.confirmed"},
      {"KASSA_TOPIC_REFUNDS", "invoicebox.refunds.v1", "input: refund.succeeded"},
      {"KASSA_TOPIC_RECEIPTS", "kassa.receipts.v1", "output: fiscal receipts"},
      {"KASSA_TOPIC_DOCUMENTS", "kassa.documents.v1", "output: document packages"},
      {"KASSA_TOPIC_DLQ", "kassa.dlq.v1", "output: dead letters"},
      {"KASSA_HTTP_ADDR", "127.0.0.1:9464", "/metrics, /healthz, /readyz (empty: off)"},
      {"KASSA_ORPHAN_GRACE", "24h", "how long a shipment or refund may wait for its payment"},
      {"KASSA_BATCH_MAX_MESSAGES", "500", "messages per batch transaction"},
      {"KASSA_BATCH_MAX_WAIT", "200ms", "longest wait to fill a batch"},
      {"KASSA_RELAY_BATCH", "500", "outbox rows published per relay round"},
      {"KASSA_OUTBOX_RETENTION", "7d", "published outbox rows are deleted after this long"},
      {"KASSA_LOG_LEVEL", "info", "debug, info, warn, error"},
      {"KASSA_SELLER_INN", "0000000000",
       "receipts: INN of the registering agent (company.inn, tag 1018)"},
      {"KASSA_SELLER_SNO", "osn", "receipts: taxation system (company.sno, tag 1055)"},
      {"KASSA_SELLER_EMAIL", "kassa@invoicebox.ru",
       "receipts: sender e-mail (company.email, tag 1117)"},
      {"KASSA_SELLER_PAYMENT_ADDRESS", "https://www.invoicebox.ru",
       "receipts: place of settlement (tag 1187)"},
      {"KASSA_AGENT_TYPE", "paying_agent", "receipts: agent_info.type of every line (tag 1222)"},
      {"KASSA_DEFAULT_SUPPLIER_INN", "0000000000",
       "receipts: supplier INN when kassa.merchants lacks the merchant"},
      {"KASSA_DEFAULT_SUPPLIER_NAME", "Продавец", "receipts: supplier name in that case"},
      {"KASSA_DEFAULT_SUPPLIER_PHONE", "", "receipts: supplier phone in that case (+7...)"},
      {"KASSA_ATOL_CALLBACK_URL", "",
       "receipts: service.callback_url for the cash-register gateway (empty: none)"},
      {"KASSA_SELLER_NAME", "ООО «ОРЦ»", "documents: the agent's name (Invoicebox)"},
      {"KASSA_SELLER_KPP", "", "documents: the agent's KPP (9 digits; empty: none printed)"},
      {"KASSA_DOCUMENTS_DIR", "$XDG_DATA_HOME/kassa/documents",
       "documents: folder the relay writes package files to, <dir>/<merchant>/<package>/ (default: "
       "$XDG_DATA_HOME or ~/.local/share, then /var/lib/kassa/documents; empty: kept in PostgreSQL "
       "only)"},
      {"KASSA_FONT_DIR", "/usr/share/fonts/truetype/dejavu",
       "documents: folder with DejaVuSans.ttf and DejaVuSans-Bold.ttf (Cyrillic) for the PDFs"},
      {"KASSA_SMTP_ADDR", "",
       "documents: host:port of the SMTP relay that e-mails packages to buyers (empty: no e-mail)"},
      {"KASSA_SMTP_FROM", "documents@invoicebox.ru", "documents: the e-mails' sender address"},
      {"KASSA_DLQ_MAX_BYTES", "900000",
       "dead letters: largest key + serialized message; a larger original is cut, whole in "
       "kassa.rejections (keep under the DLQ topic's max.message.bytes and message.max.bytes)"},
      {"KASSA_RELAY_STALL_AFTER", "60s",
       "/readyz turns false when outbox rows wait and none was published for this long"},
      {"KASSA_KAFKA_<PROPERTY>", "",
       "any librdkafka property, dots as underscores (KASSA_KAFKA_SECURITY_PROTOCOL)"},
  };
  return keys;
}

std::chrono::milliseconds parse_duration(const std::string& text) {
  std::size_t used = 0;
  long long value = 0;
  try {
    value = std::stoll(text, &used);
  } catch (const std::exception&) {
    throw ConfigError("not a duration: '" + text + "' (use e.g. 24h, 30m, 10s, 250ms)");
  }
  const std::string unit = text.substr(used);
  static const std::map<std::string, long long> kUnits = {
      {"ms", 1}, {"s", 1000}, {"m", 60'000}, {"h", 3'600'000}, {"d", 86'400'000}};
  const auto it = kUnits.find(unit);
  if (it == kUnits.end() || value < 0)
    throw ConfigError("not a duration: '" + text + "' (use e.g. 24h, 30m, 10s, 250ms)");
  return std::chrono::milliseconds(value * it->second);
}

std::string default_documents_dir() {
  const char* xdg = std::getenv("XDG_DATA_HOME");
  if (xdg != nullptr && *xdg == '/') return std::string(xdg) + "/kassa/documents";
  const char* home = std::getenv("HOME");
  if (home != nullptr && *home == '/' && std::string_view(home) != "/")
    return std::string(home) + "/.local/share/kassa/documents";
  return "/var/lib/kassa/documents";
}

namespace {

std::size_t parse_count(const std::string& key, const std::string& text) {
  try {
    std::size_t used = 0;
    const long long value = std::stoll(text, &used);
    if (used == text.size() && value > 0) return static_cast<std::size_t>(value);
  } catch (const std::exception&) {
  }
  throw ConfigError(key + " must be a positive integer, got '" + text + "'");
}

std::map<std::string, std::string> read_file(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw ConfigError("cannot read config file " + path);
  std::map<std::string, std::string> out;
  std::string line;
  int number = 0;
  while (std::getline(in, line)) {
    ++number;
    const auto first = line.find_first_not_of(" \t");
    if (first == std::string::npos || line[first] == '#') continue;
    const auto eq = line.find('=');
    if (eq == std::string::npos)
      throw ConfigError(path + ":" + std::to_string(number) + ": expected KEY=VALUE");
    std::string key = line.substr(first, eq - first);
    while (!key.empty() && (key.back() == ' ' || key.back() == '\t')) key.pop_back();
    out[key] = line.substr(eq + 1);
  }
  return out;
}

}  // namespace

Config load_config(const std::optional<std::string>& file) {
  std::map<std::string, std::string> values;
  if (file) values = read_file(*file);
  for (char** entry = environ; entry != nullptr && *entry != nullptr; ++entry) {
    const std::string text(*entry);
    if (text.rfind("KASSA_", 0) != 0) continue;
    const auto eq = text.find('=');
    values[text.substr(0, eq)] = text.substr(eq + 1);
  }
  Config config;
  config.documents_dir = default_documents_dir();
  bus::Settings kafka_extra;
  for (const auto& [key, value] : values) {
    if (key == "KASSA_PG_DSN")
      config.pg_dsn = value;
    else if (key == "KASSA_KAFKA_BROKERS")
      config.brokers = value;
    else if (key == "KASSA_GROUP_ID")
      config.group_id = value;
    else if (key == "KASSA_TOPIC_PAYMENTS")
      config.topic_payments = value;
    else if (key == "KASSA_TOPIC_SHIPMENTS")
      config.topic_shipments = value;
    else if (key == "KASSA_TOPIC_REFUNDS")
      config.topic_refunds = value;
    else if (key == "KASSA_TOPIC_RECEIPTS")
      config.topic_receipts = value;
    else if (key == "KASSA_TOPIC_DOCUMENTS")
      config.topic_documents = value;
    else if (key == "KASSA_TOPIC_DLQ")
      config.topic_dlq = value;
    else if (key == "KASSA_HTTP_ADDR")
      config.http_addr = value;
    else if (key == "KASSA_ORPHAN_GRACE")
      config.orphan_grace = std::chrono::duration_cast<std::chrono::seconds>(parse_duration(value));
    else if (key == "KASSA_BATCH_MAX_MESSAGES")
      config.batch_max_messages = parse_count(key, value);
    else if (key == "KASSA_BATCH_MAX_WAIT")
      config.batch_max_wait = parse_duration(value);
    else if (key == "KASSA_RELAY_BATCH")
      config.relay_batch = parse_count(key, value);
    else if (key == "KASSA_OUTBOX_RETENTION")
      config.outbox_retention =
          std::chrono::duration_cast<std::chrono::seconds>(parse_duration(value));
    else if (key == "KASSA_SELLER_INN")
      config.seller.inn = value;
    else if (key == "KASSA_SELLER_SNO")
      config.seller.sno = value;
    else if (key == "KASSA_SELLER_EMAIL")
      config.seller.email = value;
    else if (key == "KASSA_SELLER_PAYMENT_ADDRESS")
      config.seller.payment_address = value;
    else if (key == "KASSA_SELLER_NAME")
      config.seller.name = value;
    else if (key == "KASSA_SELLER_KPP")
      config.seller.kpp = value;
    else if (key == "KASSA_AGENT_TYPE")
      config.seller.agent_type = value;
    else if (key == "KASSA_DEFAULT_SUPPLIER_INN")
      config.seller.default_supplier_inn = value;
    else if (key == "KASSA_DEFAULT_SUPPLIER_NAME")
      config.seller.default_supplier_name = value;
    else if (key == "KASSA_DEFAULT_SUPPLIER_PHONE")
      config.seller.default_supplier_phone = value;
    else if (key == "KASSA_ATOL_CALLBACK_URL")
      config.atol_callback_url = value;
    else if (key == "KASSA_DOCUMENTS_DIR")
      config.documents_dir = value;
    else if (key == "KASSA_FONT_DIR")
      config.font_dir = value;
    else if (key == "KASSA_SMTP_ADDR")
      config.smtp_addr = value;
    else if (key == "KASSA_SMTP_FROM")
      config.smtp_from = value;
    else if (key == "KASSA_DLQ_MAX_BYTES")
      config.dlq_max_bytes = parse_count(key, value);
    else if (key == "KASSA_RELAY_STALL_AFTER")
      config.relay_stall_after = parse_duration(value);
    else if (key == "KASSA_LOG_LEVEL") {
      log::Level level;
      if (!log::parse_level(value, level))
        throw ConfigError("KASSA_LOG_LEVEL must be debug, info, warn or error");
      config.log_level = value;
    } else if (key.rfind("KASSA_KAFKA_", 0) == 0) {
      std::string name = key.substr(12);
      for (char& c : name)
        c = c == '_' ? '.' : static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      kafka_extra[name] = value;
    } else if (key.rfind("KASSA_FAULT", 0) == 0 || key == "KASSA_BIN") {
      // test hooks and tooling, read where they are used
    } else if (file) {
      // Unknown keys in a file are typos; in the environment they may belong to other tools.
      log::warn("config: unknown key " + key + " ignored");
    }
  }
  config.kafka_extra = std::move(kafka_extra);
  if (config.pg_dsn.empty()) throw ConfigError("KASSA_PG_DSN is empty");
  if (config.brokers.empty()) throw ConfigError("KASSA_KAFKA_BROKERS is empty");
  auto digits = [](const std::string& v) {
    return (v.size() == 10 || v.size() == 12) &&
           v.find_first_not_of("0123456789") == std::string::npos;
  };
  if (!config.smtp_addr.empty()) {
    try {
      parse_smtp_addr(config.smtp_addr);
    } catch (const std::invalid_argument& e) {
      throw ConfigError(std::string("KASSA_SMTP_ADDR: ") + e.what());
    }
  }
  if (config.dlq_max_bytes < 4096)
    throw ConfigError("KASSA_DLQ_MAX_BYTES must be at least 4096 (a dead letter without payload)");
  if (config.smtp_from.find('@') == std::string::npos)
    throw ConfigError("KASSA_SMTP_FROM must be an e-mail address");
  if (!digits(config.seller.inn)) throw ConfigError("KASSA_SELLER_INN must have 10 or 12 digits");
  if (!config.seller.kpp.empty() &&
      (config.seller.kpp.size() != 9 ||
       !std::all_of(config.seller.kpp.begin(), config.seller.kpp.end(), ::isdigit)))
    throw ConfigError("KASSA_SELLER_KPP must have 9 digits (or be empty)");
  if (!digits(config.seller.default_supplier_inn))
    throw ConfigError("KASSA_DEFAULT_SUPPLIER_INN must have 10 or 12 digits");
  const auto& phone = config.seller.default_supplier_phone;
  if (!phone.empty() &&
      (phone.size() > 19 ||
       phone.find_first_not_of("0123456789", phone[0] == '+' ? 1 : 0) != std::string::npos))
    throw ConfigError(
        "KASSA_DEFAULT_SUPPLIER_PHONE must be digits with an optional leading + (at most 19 "
        "characters)");
  static const char* const kSno[] = {"osn", "usn_income", "usn_income_outcome", "esn", "patent"};
  if (std::find(std::begin(kSno), std::end(kSno), config.seller.sno) == std::end(kSno))
    throw ConfigError(
        "KASSA_SELLER_SNO must be one of osn, usn_income, usn_income_outcome, esn, patent");
  return config;
}

}  // namespace kassa::app
