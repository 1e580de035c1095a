#include "app/config.hpp"

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <map>
#include <string_view>
#include <tuple>

#include "app/smtp.hpp"
#include "contract/secrets.hpp"
#include "core/requisites.hpp"
#include "core/utc_time.hpp"
#include "store/database.hpp"
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
      {"KASSA_TOPIC_MERCHANTS", "invoicebox.merchants.v1",
       "input: merchant.activated, merchant.updated (a table every worker reads whole)"},
      {"KASSA_TOPIC_PAYOUTS", "invoicebox.payouts.v1", "input: payout.completed"},
      {"KASSA_TOPIC_RECEIPTS", "kassa.receipts.v1", "output: fiscal receipts"},
      {"KASSA_TOPIC_DOCUMENTS", "kassa.documents.v1", "output: document packages"},
      {"KASSA_TOPIC_DLQ", "kassa.dlq.v1", "output: dead letters"},
      {"KASSA_HTTP_ADDR", "127.0.0.1:9464", "/metrics, /healthz, /readyz (empty: off)"},
      {"KASSA_ORPHAN_GRACE", "24h",
       "how long a shipment or refund may wait for its payment, or an order event for its "
       "merchant"},
      {"KASSA_UNKNOWN_MERCHANT", "wait",
       "an order event whose merchant has no merchant event yet: wait (parked) or default (the "
       "default supplier, counted in kassa_receipts_default_supplier_total)"},
      {"KASSA_PAYOUT_GRACE", "72h",
       "a paid order whose net is in no payout after this long is reconciled as not_paid_out"},
      {"KASSA_BATCH_MAX_MESSAGES", "500", "messages per batch transaction"},
      {"KASSA_CONSUMERS", "1",
       "consumer loops in one `kassa run`, each with its share of the partitions and its own "
       "database connection"},
      {"KASSA_BATCH_MAX_WAIT", "200ms", "longest wait to fill a batch"},
      {"KASSA_MERGE_GRACE", "2s",
       "how long a shipment or refund waits for a sibling input partition read to its end "
       "(cross-topic order); payments never wait"},
      {"KASSA_RELAY_BATCH", "500", "outbox rows published per relay round"},
      {"KASSA_OUTBOX_RETENTION", "7d", "published outbox rows are deleted after this long"},
      {"KASSA_LOG_LEVEL", "info", "debug, info, warn, error"},
      {"KASSA_LOG_FORMAT", "json off a terminal, text on one",
       "json (one object per line) or text; phones and e-mails are masked either way"},
      {"KASSA_SELLER_INN", "0000000000",
       "receipts: INN of the registering agent (company.inn, tag 1018)"},
      {"KASSA_SELLER_SNO", "osn", "receipts: taxation system (company.sno, tag 1055)"},
      {"KASSA_SELLER_EMAIL", "kassa@invoicebox.ru",
       "receipts: sender e-mail (company.email, tag 1117)"},
      {"KASSA_SELLER_PAYMENT_ADDRESS", "https://www.invoicebox.ru",
       "receipts: place of settlement (tag 1187)"},
      {"KASSA_AGENT_TYPE", "paying_agent", "receipts: agent_info.type of every line (tag 1222)"},
      {"KASSA_PAYING_AGENT_OPERATION", "Оплата заказа",
       "receipts: agent_info.paying_agent.operation (tag 1044, at most 24 characters)"},
      {"KASSA_PAYING_AGENT_PHONES", "",
       "receipts: agent_info.paying_agent.phones, comma-separated (tag 1073; required for "
       "paying_agent)"},
      {"KASSA_PAYMENTS_OPERATOR_PHONES", "",
       "receipts: agent_info.receive_payments_operator.phones, comma-separated (tag 1074; required "
       "for paying_agent)"},
      {"KASSA_DEFAULT_SUPPLIER_INN", "0000000000",
       "receipts: supplier INN when kassa.merchants lacks the merchant"},
      {"KASSA_DEFAULT_SUPPLIER_NAME", "Продавец", "receipts: supplier name in that case"},
      {"KASSA_DEFAULT_SUPPLIER_PHONE", "",
       "receipts: supplier phone (tag 1171) when the merchant is missing or has no phones "
       "(required for paying_agent)"},
      {"KASSA_ALLOW_DEMO_DATA", "false",
       "true lets `kassa run` start with placeholder requisites (INN 0000000000, no agent "
       "phones); never in production"},
      {"KASSA_ATOL_CALLBACK_URL", "",
       "receipts: service.callback_url for the cash-register gateway (empty: none)"},
      {"KASSA_ATOL_URL", "",
       "gateway: base URL of the ATOL Online v5 compatible API, e.g. "
       "https://online.atol.ru/possystem/v5 (empty: `kassa gateway` refuses to start)"},
      {"KASSA_ATOL_LOGIN", "", "gateway: login for getToken"},
      {"KASSA_ATOL_PASSWORD", "", "gateway: password for getToken (a secret; never printed)"},
      {"KASSA_ATOL_GROUP", "", "gateway: group code of the cash registers ({group}/sell)"},
      {"KASSA_ATOL_TIMEOUT", "30s", "gateway: longest wait for one answer of the API"},
      {"KASSA_ATOL_REPORT_RATE", "1",
       "gateway: report requests per second at most (the API allows 1 per second per register)"},
      {"KASSA_ATOL_FIRST_POLL", "5s",
       "gateway: first report request this long after a receipt was accepted; later ones back off "
       "to a minute"},
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
      {"KASSA_SIGNER_SURNAME", "",
       "documents: surname of the person who signs the FNS XML (Подписант); required for the "
       "act's and TORG-12's XML, which wait unrendered without it"},
      {"KASSA_SIGNER_NAME", "", "documents: the signer's given name (required with the surname)"},
      {"KASSA_SIGNER_PATRONYMIC", "", "documents: the signer's patronymic (empty: none)"},
      {"KASSA_SIGNER_POSITION", "", "documents: the signer's position (empty: none)"},
      {"KASSA_SIGNER_AUTHORITY_METHOD", "",
       "documents: how the signer's authority is confirmed (СпосПодтПолном): 1 signature "
       "certificate, 2 power of attorney held by the parties, 3 machine-readable power of "
       "attorney, 4 in the EDO system, 5 paper power of attorney, 6 other"},
      {"KASSA_SIGNER_POA_NUMBER", "",
       "documents: power of attorney's number, methods 3 (its 36-character registration number) "
       "and 5 (its own number) only"},
      {"KASSA_SIGNER_POA_DATE", "",
       "documents: power of attorney's date YYYY-MM-DD, methods 3 and 5 only"},
      {"KASSA_SIGNER_POA_SYSTEM", "",
       "documents: system that keeps the machine-readable power of attorney (ИдСистХран), "
       "method 3 only"},
      {"KASSA_SELLER_EDO_ID", "",
       "documents: the agent's EDO participant id, the FNS XML's sender when the merchant has no "
       "kassa.merchants.edo_participant_id (empty: none)"},
      {"KASSA_DLQ_MAX_BYTES", "900000",
       "dead letters: largest key + serialized message; a larger original is cut, whole in "
       "kassa.rejections (keep under the DLQ topic's max.message.bytes and message.max.bytes)"},
      {"KASSA_LIVENESS_TIMEOUT", "20s",
       "/healthz fails when the poll loop or the relay has not come round for this long"},
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

// ATOL's rule for agent and supplier phones: digits with an optional leading +, at most 19
// characters with it and 17 without.
bool valid_agent_phone(const std::string& phone) {
  const bool plus = !phone.empty() && phone[0] == '+';
  const std::size_t digits = phone.size() - (plus ? 1 : 0);
  return digits >= 1 && digits <= (plus ? 18u : 17u) &&
         phone.find_first_not_of("0123456789", plus ? 1 : 0) == std::string::npos;
}

// "+74951234567, +74957654321" -> each phone; empty text -> none.
std::vector<std::string> parse_phones(const std::string& key, const std::string& text) {
  std::vector<std::string> phones;
  std::size_t start = 0;
  while (start <= text.size() && !text.empty()) {
    const std::size_t comma = std::min(text.find(',', start), text.size());
    std::string phone = text.substr(start, comma - start);
    phone.erase(0, phone.find_first_not_of(' '));
    phone.erase(phone.find_last_not_of(' ') + 1);
    if (!valid_agent_phone(phone))
      throw ConfigError(key + ": '" + phone +
                        "' is not a phone (digits with an optional leading +, at most 19 "
                        "characters)");
    phones.push_back(phone);
    start = comma + 1;
  }
  return phones;
}

bool parse_flag(const std::string& key, const std::string& text) {
  if (text == "true" || text == "1" || text == "yes") return true;
  if (text == "false" || text == "0" || text == "no" || text.empty()) return false;
  throw ConfigError(key + " must be true or false, got '" + text + "'");
}

bool placeholder_inn(const std::string& inn) {
  return inn.find_first_not_of(inn.empty() ? '0' : inn[0]) == std::string::npos;
}

std::size_t code_points(const std::string& text) {
  std::size_t n = 0;
  for (const char c : text) n += (static_cast<unsigned char>(c) & 0xC0) != 0x80;
  return n;
}

// KASSA_SIGNER_*: all or nothing, and the power of attorney exactly as the method needs it.
void check_signer(const core::Signer& s, const std::string& method_text) {
  const bool any = !s.surname.empty() || !s.given_name.empty() || !s.patronymic.empty() ||
                   !s.position.empty() || !method_text.empty() || !s.poa_number.empty() ||
                   s.poa_date || !s.poa_system.empty();
  if (!any) return;
  if (s.surname.empty() || s.given_name.empty() || method_text.empty())
    throw ConfigError(
        "KASSA_SIGNER_SURNAME, KASSA_SIGNER_NAME and KASSA_SIGNER_AUTHORITY_METHOD go together: "
        "set all three (or no KASSA_SIGNER_* at all)");
  for (const auto& [key, value, limit] : {std::tuple{"KASSA_SIGNER_SURNAME", &s.surname, 60},
                                          std::tuple{"KASSA_SIGNER_NAME", &s.given_name, 60},
                                          std::tuple{"KASSA_SIGNER_PATRONYMIC", &s.patronymic, 60},
                                          std::tuple{"KASSA_SIGNER_POSITION", &s.position, 255}})
    if (code_points(*value) > static_cast<std::size_t>(limit))
      throw ConfigError(std::string(key) + " is longer than " + std::to_string(limit) +
                        " characters");
  if (s.authority_method < 1 || s.authority_method > 6)
    throw ConfigError("KASSA_SIGNER_AUTHORITY_METHOD must be 1, 2, 3, 4, 5 or 6, got '" +
                      method_text + "'");
  if (s.authority_method == 3) {
    if (s.poa_number.size() != 36)
      throw ConfigError(
          "KASSA_SIGNER_POA_NUMBER must be the 36-character registration number of the "
          "machine-readable power of attorney (KASSA_SIGNER_AUTHORITY_METHOD=3)");
    if (!s.poa_date)
      throw ConfigError("KASSA_SIGNER_POA_DATE (YYYY-MM-DD) is required with method 3");
    if (s.poa_system.empty() || code_points(s.poa_system) > 500)
      throw ConfigError("KASSA_SIGNER_POA_SYSTEM (1 to 500 characters) is required with method 3");
  } else if (s.authority_method == 5) {
    if (s.poa_number.empty() || code_points(s.poa_number) > 50)
      throw ConfigError(
          "KASSA_SIGNER_POA_NUMBER (1 to 50 characters) is required with method 5 (paper power "
          "of attorney)");
    if (!s.poa_date)
      throw ConfigError("KASSA_SIGNER_POA_DATE (YYYY-MM-DD) is required with method 5");
    if (!s.poa_system.empty())
      throw ConfigError("KASSA_SIGNER_POA_SYSTEM applies to method 3 only");
  } else if (!s.poa_number.empty() || s.poa_date || !s.poa_system.empty()) {
    throw ConfigError(
        "KASSA_SIGNER_POA_NUMBER, KASSA_SIGNER_POA_DATE and KASSA_SIGNER_POA_SYSTEM apply to "
        "KASSA_SIGNER_AUTHORITY_METHOD 3 or 5 only");
  }
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
  std::string signer_method;
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
    else if (key == "KASSA_TOPIC_MERCHANTS")
      config.topic_merchants = value;
    else if (key == "KASSA_TOPIC_PAYOUTS")
      config.topic_payouts = value;
    else if (key == "KASSA_UNKNOWN_MERCHANT") {
      if (value == "wait")
        config.unknown_merchant = Config::UnknownMerchant::wait;
      else if (value == "default")
        config.unknown_merchant = Config::UnknownMerchant::use_default;
      else
        throw ConfigError("KASSA_UNKNOWN_MERCHANT must be wait or default, not " + value);
    } else if (key == "KASSA_PAYOUT_GRACE")
      config.payout_grace = std::chrono::duration_cast<std::chrono::seconds>(parse_duration(value));
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
    else if (key == "KASSA_CONSUMERS")
      config.consumers = parse_count(key, value);
    else if (key == "KASSA_BATCH_MAX_WAIT")
      config.batch_max_wait = parse_duration(value);
    else if (key == "KASSA_MERGE_GRACE")
      config.merge_grace = parse_duration(value);
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
    else if (key == "KASSA_PAYING_AGENT_OPERATION")
      config.seller.paying_agent_operation = value;
    else if (key == "KASSA_PAYING_AGENT_PHONES")
      config.seller.paying_agent_phones = parse_phones(key, value);
    else if (key == "KASSA_PAYMENTS_OPERATOR_PHONES")
      config.seller.payments_operator_phones = parse_phones(key, value);
    else if (key == "KASSA_ALLOW_DEMO_DATA")
      config.allow_demo_data = parse_flag(key, value);
    else if (key == "KASSA_ATOL_CALLBACK_URL")
      config.atol_callback_url = value;
    else if (key == "KASSA_ATOL_URL")
      config.atol.url = value;
    else if (key == "KASSA_ATOL_LOGIN")
      config.atol.login = value;
    else if (key == "KASSA_ATOL_PASSWORD")
      config.atol.password = value;
    else if (key == "KASSA_ATOL_GROUP")
      config.atol.group = value;
    else if (key == "KASSA_ATOL_TIMEOUT")
      config.atol.timeout = parse_duration(value);
    else if (key == "KASSA_ATOL_REPORT_RATE")
      config.atol.report_rate = parse_count(key, value);
    else if (key == "KASSA_ATOL_FIRST_POLL")
      config.atol.first_poll = parse_duration(value);
    else if (key == "KASSA_DOCUMENTS_DIR")
      config.documents_dir = value;
    else if (key == "KASSA_FONT_DIR")
      config.font_dir = value;
    else if (key == "KASSA_SMTP_ADDR")
      config.smtp_addr = value;
    else if (key == "KASSA_SMTP_FROM")
      config.smtp_from = value;
    else if (key == "KASSA_SIGNER_SURNAME")
      config.signer.surname = value;
    else if (key == "KASSA_SIGNER_NAME")
      config.signer.given_name = value;
    else if (key == "KASSA_SIGNER_PATRONYMIC")
      config.signer.patronymic = value;
    else if (key == "KASSA_SIGNER_POSITION")
      config.signer.position = value;
    else if (key == "KASSA_SIGNER_AUTHORITY_METHOD")
      signer_method = value;
    else if (key == "KASSA_SIGNER_POA_NUMBER")
      config.signer.poa_number = value;
    else if (key == "KASSA_SIGNER_POA_DATE") {
      if (!value.empty()) {
        config.signer.poa_date = core::parse_date(value);
        if (!config.signer.poa_date)
          throw ConfigError("KASSA_SIGNER_POA_DATE must be a date YYYY-MM-DD, got '" + value + "'");
      }
    } else if (key == "KASSA_SIGNER_POA_SYSTEM")
      config.signer.poa_system = value;
    else if (key == "KASSA_SELLER_EDO_ID")
      config.seller_edo_id = value;
    else if (key == "KASSA_DLQ_MAX_BYTES")
      config.dlq_max_bytes = parse_count(key, value);
    else if (key == "KASSA_LIVENESS_TIMEOUT")
      config.liveness_timeout = parse_duration(value);
    else if (key == "KASSA_RELAY_STALL_AFTER")
      config.relay_stall_after = parse_duration(value);
    else if (key == "KASSA_LOG_LEVEL") {
      log::Level level;
      if (!log::parse_level(value, level))
        throw ConfigError("KASSA_LOG_LEVEL must be debug, info, warn or error");
      config.log_level = value;
    } else if (key == "KASSA_LOG_FORMAT") {
      log::Format format;
      if (!log::parse_format(value, format))
        throw ConfigError("KASSA_LOG_FORMAT must be json or text");
      log::set_format(format);
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
  // Credentials never reach a log line or an error message (support/log.hpp redacts them).
  try {
    log::add_secret(store::dsn_password(config.pg_dsn));
  } catch (const std::invalid_argument& e) {
    throw ConfigError(std::string("KASSA_PG_DSN: ") + e.what());
  }
  for (const auto& [name, value] : config.kafka_extra)
    if (contract::is_secret_kafka_property(name)) log::add_secret(value);
  log::add_secret(config.atol.password);
  if (config.brokers.empty()) throw ConfigError("KASSA_KAFKA_BROKERS is empty");
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
  if (!core::valid_inn(config.seller.inn))
    throw ConfigError("KASSA_SELLER_INN '" + config.seller.inn +
                      "' is not an INN (10 or 12 digits with valid check digits)");
  if (!config.seller.kpp.empty() &&
      (config.seller.kpp.size() != 9 ||
       !std::all_of(config.seller.kpp.begin(), config.seller.kpp.end(), ::isdigit)))
    throw ConfigError("KASSA_SELLER_KPP must have 9 digits (or be empty)");
  if (!core::valid_inn(config.seller.default_supplier_inn))
    throw ConfigError("KASSA_DEFAULT_SUPPLIER_INN '" + config.seller.default_supplier_inn +
                      "' is not an INN (10 or 12 digits with valid check digits)");
  const auto& phone = config.seller.default_supplier_phone;
  if (!phone.empty() && !valid_agent_phone(phone))
    throw ConfigError(
        "KASSA_DEFAULT_SUPPLIER_PHONE must be digits with an optional leading + (at most 19 "
        "characters)");
  if (code_points(config.seller.paying_agent_operation) > 24)
    throw ConfigError("KASSA_PAYING_AGENT_OPERATION has more than 24 characters (tag 1044)");
  if (signer_method.size() == 1 && signer_method[0] >= '1' && signer_method[0] <= '6')
    config.signer.authority_method = signer_method[0] - '0';
  check_signer(config.signer, signer_method);
  if (!config.seller_edo_id.empty() &&
      (config.seller_edo_id.size() < 4 || config.seller_edo_id.size() > 46 ||
       config.seller_edo_id.find_first_not_of("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
                                              "abcdefghijklmnopqrstuvwxyz-") != std::string::npos))
    throw ConfigError(
        "KASSA_SELLER_EDO_ID must be an EDO participant id: 4 to 46 letters, digits or '-' (or "
        "empty)");
  static const char* const kSno[] = {"osn", "usn_income", "usn_income_outcome", "esn", "patent"};
  if (std::find(std::begin(kSno), std::end(kSno), config.seller.sno) == std::end(kSno))
    throw ConfigError(
        "KASSA_SELLER_SNO must be one of osn, usn_income, usn_income_outcome, esn, patent");
  return config;
}

std::vector<std::string> placeholder_requisites(const Config& config) {
  std::vector<std::string> problems;
  const auto& s = config.seller;
  if (placeholder_inn(s.inn))
    problems.push_back("KASSA_SELLER_INN is the placeholder " + s.inn +
                       " (the cash register checks company.inn against its fiscal drive)");
  if (placeholder_inn(s.default_supplier_inn))
    problems.push_back("KASSA_DEFAULT_SUPPLIER_INN is the placeholder " + s.default_supplier_inn);
  if (!config.signer.configured())
    problems.push_back(
        "KASSA_SIGNER_SURNAME, KASSA_SIGNER_NAME and KASSA_SIGNER_AUTHORITY_METHOD are not set "
        "(the "
        "UPD files of document packages name their signer; packages would wait unrendered)");
  if (s.agent_type == "paying_agent") {
    if (s.paying_agent_phones.empty())
      problems.push_back(
          "KASSA_PAYING_AGENT_PHONES is empty (tag 1073, required for paying_agent)");
    if (s.payments_operator_phones.empty())
      problems.push_back(
          "KASSA_PAYMENTS_OPERATOR_PHONES is empty (tag 1074, required for paying_agent)");
    if (s.paying_agent_operation.empty())
      problems.push_back(
          "KASSA_PAYING_AGENT_OPERATION is empty (tag 1044, required for paying_agent)");
    if (s.default_supplier_phone.empty())
      problems.push_back(
          "KASSA_DEFAULT_SUPPLIER_PHONE is empty (tag 1171 is required for paying_agent: it stands "
          "in for merchants without phones)");
  }
  return problems;
}

void require_real_requisites(Config& config) {
  const auto problems = placeholder_requisites(config);
  if (problems.empty()) return;
  std::string text;
  for (const auto& p : problems) text += (text.empty() ? "" : "; ") + p;
  if (config.allow_demo_data) {
    log::warn(
        "config: KASSA_ALLOW_DEMO_DATA is set, receipts and documents carry placeholder "
        "requisites: " +
        text);
    if (!config.signer.configured())
      config.signer = {"Демонстрационный", "Подписант", "", "", 1, "", std::nullopt, ""};
    return;
  }
  throw ConfigError("refusing to issue receipts with placeholder requisites: " + text +
                    ". Set them (README, Configuration), or KASSA_ALLOW_DEMO_DATA=true for a demo");
}

void prefix_topics(Config& config, const std::string& prefix) {
  config.topic_payments = prefix + "payments";
  config.topic_shipments = prefix + "shipments";
  config.topic_refunds = prefix + "refunds";
  config.topic_merchants = prefix + "merchants";
  config.topic_payouts = prefix + "payouts";
  config.topic_dlq = prefix + "dlq";
  config.topic_receipts = prefix + "receipts";
  config.topic_documents = prefix + "documents";
}

}  // namespace kassa::app
