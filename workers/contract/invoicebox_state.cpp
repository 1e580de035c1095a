#include "contract/invoicebox_state.hpp"

#include <array>
#include <cstdint>
#include <tuple>
#include <utility>

#include <nlohmann/json.hpp>

namespace kassa::contract {
namespace {

using nlohmann::json;

// A captured JSON value: scalars keep their source text (numbers exactly as written), containers
// only their kind.
struct Value {
  enum class Kind { null, boolean, string, number, object, array };
  Kind kind = Kind::null;
  std::string text;
};

// The top-level fields reconciliation needs; everything else (basketItems, metaData, ...) is
// skipped without being built.
constexpr std::array<std::string_view, 15> kFields = {
    "id",         "merchantId", "merchantOrderId",    "parentId",  "status",
    "amount",     "vatAmount",  "currencyId",         "createdAt", "paidAt",
    "objectType", "partnerId",  "partnerOperationId", "orderId",   "type"};
enum Field : std::size_t {
  kId,
  kMerchantId,
  kMerchantOrderId,
  kParentId,
  kStatus,
  kAmount,
  kVatAmount,
  kCurrencyId,
  kCreatedAt,
  kPaidAt,
  kObjectType,  // "guaranteeFundOperation" for a fund operation; orders do not need it
  kPartnerId,
  kPartnerOperationId,
  kOrderId,
  kType,
  kCustomer,  // the `customer` object itself
  kCustomerType,
  kFieldCount
};

// nlohmann's SAX interface hands over the source text of every non-integer number
// (number_float's second argument), so money never passes through a double here.
class LineSax : public nlohmann::json_sax<json> {
 public:
  std::array<std::optional<Value>, kFieldCount> fields;
  std::string error;

  bool null() override { return scalar({Value::Kind::null, "null"}); }
  bool boolean(bool v) override { return scalar({Value::Kind::boolean, v ? "true" : "false"}); }
  bool number_integer(number_integer_t v) override {
    return scalar({Value::Kind::number, std::to_string(v)});
  }
  bool number_unsigned(number_unsigned_t v) override {
    return scalar({Value::Kind::number, std::to_string(v)});
  }
  bool number_float(number_float_t, const string_t& text) override {
    return scalar({Value::Kind::number, text});
  }
  bool string(string_t& v) override { return scalar({Value::Kind::string, v}); }
  bool binary(binary_t&) override { return fail("binary values are not JSON"); }
  bool start_object(std::size_t) override { return open(Value::Kind::object); }
  bool start_array(std::size_t) override { return open(Value::Kind::array); }
  bool end_object() override { return close(); }
  bool end_array() override { return close(); }
  bool key(string_t& name) override {
    if (depth_ == 1) key_ = slot_of(name);
    if (depth_ == 2 && in_customer_) key_ = name == "type" ? kCustomerType : kFieldCount;
    return true;
  }
  bool parse_error(std::size_t position, const std::string&,
                   const nlohmann::detail::exception& e) override {
    // "[json.exception.parse_error.101] parse error at line 1, column 7: syntax error ..." ->
    // the part after the last ": ".
    std::string what = e.what();
    const auto colon = what.rfind(": ");
    if (colon != std::string::npos) what = what.substr(colon + 2);
    return fail("invalid JSON at byte " + std::to_string(position) + ": " + what);
  }

 private:
  static std::size_t slot_of(std::string_view name) {
    for (std::size_t i = 0; i < kFields.size(); ++i)
      if (kFields[i] == name) return i;
    return name == "customer" ? kCustomer : kFieldCount;
  }
  bool fail(std::string message) {
    if (error.empty()) error = std::move(message);
    return false;
  }
  bool record(Value v) {
    if ((depth_ == 1 || (depth_ == 2 && in_customer_)) && key_ < kFieldCount)
      fields[key_] = std::move(v);
    return true;
  }
  bool scalar(Value v) {
    if (depth_ == 0) return fail("not a JSON object");
    return record(std::move(v));
  }
  bool open(Value::Kind kind) {
    if (depth_ == 0 && kind != Value::Kind::object) return fail("not a JSON object");
    if (depth_ >= 1) record({kind, ""});
    if (depth_ == 1) in_customer_ = key_ == kCustomer && kind == Value::Kind::object;
    ++depth_;
    key_ = kFieldCount;
    return true;
  }
  bool close() {
    --depth_;
    if (depth_ == 1) in_customer_ = false;
    key_ = kFieldCount;
    return true;
  }

  int depth_ = 0;
  bool in_customer_ = false;
  std::size_t key_ = kFieldCount;
};

// For messages: a value as it appeared, shortened.
std::string shown(const Value& v) {
  std::string text = v.kind == Value::Kind::string   ? "\"" + v.text + "\""
                     : v.kind == Value::Kind::object ? "an object"
                     : v.kind == Value::Kind::array  ? "an array"
                                                     : v.text;
  if (text.size() > 60) text = text.substr(0, 57) + "...";
  return text;
}

bool present(const std::optional<Value>& v) {
  return v.has_value() && v->kind != Value::Kind::null;
}

// Rubles as written -> kopecks, or the reason it is not acceptable money.
std::variant<core::Kopecks, std::string> money(const Value& v, std::string_view name) {
  const std::string field(name);
  if (v.kind != Value::Kind::number) return field + " is not a number: " + shown(v);
  if (v.text.find_first_of("eE") != std::string::npos)
    return field + " in exponent form is not accepted: " + v.text;
  const auto dot = v.text.find('.');
  if (dot != std::string::npos && v.text.size() - dot - 1 > 2)
    return field + " has more than two decimals: " + v.text;
  const auto kopecks = core::parse_rubles(v.text);
  if (!kopecks) return field + " is out of range: " + v.text;
  if (*kopecks < 0) return field + " is negative: " + v.text;
  return *kopecks;
}

std::optional<std::string> uuid_field(const Value& v) {
  return v.kind == Value::Kind::string ? normalize_uuid(v.text) : std::nullopt;
}

}  // namespace

std::optional<std::string> normalize_uuid(std::string_view text) {
  if (text.size() != 36) return std::nullopt;
  std::string out(text);
  for (std::size_t i = 0; i < out.size(); ++i) {
    char& c = out[i];
    if (i == 8 || i == 13 || i == 18 || i == 23) {
      if (c != '-') return std::nullopt;
    } else if (c >= 'A' && c <= 'F') {
      c = static_cast<char>(c - 'A' + 'a');
    } else if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) {
      return std::nullopt;
    }
  }
  return out;
}

std::optional<std::string> normalize_invoicebox_status(std::string_view status) {
  if (status == "cancelled") return "canceled";
  for (std::string_view known : {"created", "completed", "expired", "canceled", "hold", "draft"})
    if (status == known) return std::string(known);
  return std::nullopt;
}

std::optional<core::UtcTime> parse_offset_time(std::string_view text) {
  if (!text.empty() && text.back() == 'Z') return core::parse_utc(text);
  if (text.size() < 25) return std::nullopt;
  const std::string_view offset = text.substr(text.size() - 6);
  if ((offset[0] != '+' && offset[0] != '-') || offset[3] != ':') return std::nullopt;
  for (std::size_t i : {1, 2, 4, 5})
    if (offset[i] < '0' || offset[i] > '9') return std::nullopt;
  const int hours = (offset[1] - '0') * 10 + (offset[2] - '0');
  const int minutes = (offset[4] - '0') * 10 + (offset[5] - '0');
  if (hours > 23 || minutes > 59) return std::nullopt;
  const auto local = core::parse_utc(std::string(text.substr(0, text.size() - 6)) + "Z");
  if (!local) return std::nullopt;
  const std::int64_t shift = (hours * 60LL + minutes) * 60 * 1'000'000;
  // Local time = UTC + offset, so UTC = local - offset.
  return core::UtcTime{local->unix_micros + (offset[0] == '+' ? -shift : shift)};
}

namespace {

using Fields = std::array<std::optional<Value>, kFieldCount>;

// A time with offset, if present; the reason otherwise.
std::optional<std::string> optional_time(const Fields& f, Field slot, std::string_view name,
                                         std::optional<core::UtcTime>& target) {
  if (!present(f[slot])) return std::nullopt;
  const auto time =
      f[slot]->kind == Value::Kind::string ? parse_offset_time(f[slot]->text) : std::nullopt;
  if (!time) return std::string(name) + " is not an ISO 8601 time with offset: " + shown(*f[slot]);
  target = *time;
  return std::nullopt;
}

StateLine fund_operation(const Fields& f) {
  FundOperation op;
  for (auto [slot, name, target] :
       {std::tuple{kId, "id", &op.id}, std::tuple{kPartnerId, "partnerId", &op.partner_id},
        std::tuple{kPartnerOperationId, "partnerOperationId", &op.partner_operation_id},
        std::tuple{kOrderId, "orderId", &op.order_id}}) {
    if (!present(f[slot])) return LineError{"missing " + std::string(name)};
    const auto uuid = uuid_field(*f[slot]);
    if (!uuid) return LineError{std::string(name) + " is not a uuid: " + shown(*f[slot])};
    *target = *uuid;
  }
  if (!present(f[kType])) return LineError{"missing type"};
  if (f[kType]->kind != Value::Kind::string ||
      (f[kType]->text != "debit" && f[kType]->text != "credit"))
    return LineError{"type must be debit or credit: " + shown(*f[kType])};
  op.type = f[kType]->text;

  if (!present(f[kAmount])) return LineError{"missing amount"};
  auto amount = money(*f[kAmount], "amount");
  if (auto* reason = std::get_if<std::string>(&amount)) return LineError{std::move(*reason)};
  op.amount = std::get<core::Kopecks>(amount);

  if (auto reason = optional_time(f, kCreatedAt, "createdAt", op.created_at))
    return LineError{std::move(*reason)};
  return op;
}

StateLine order_line(const Fields& f) {
  InvoiceboxOrder order;

  if (!present(f[kId])) return LineError{"missing id"};
  const auto id = uuid_field(*f[kId]);
  if (!id) return LineError{"id is not a uuid: " + shown(*f[kId])};
  order.id = *id;

  if (!present(f[kStatus])) return LineError{"missing status"};
  if (f[kStatus]->kind != Value::Kind::string)
    return LineError{"status is not a string: " + shown(*f[kStatus])};
  const auto status = normalize_invoicebox_status(f[kStatus]->text);
  if (!status) return LineError{"unknown status " + shown(*f[kStatus])};
  order.status = *status;

  if (!present(f[kAmount])) return LineError{"missing amount"};
  auto amount = money(*f[kAmount], "amount");
  if (auto* reason = std::get_if<std::string>(&amount)) return LineError{std::move(*reason)};
  order.amount = std::get<core::Kopecks>(amount);

  if (present(f[kVatAmount])) {
    auto vat = money(*f[kVatAmount], "vatAmount");
    if (auto* reason = std::get_if<std::string>(&vat)) return LineError{std::move(*reason)};
    order.vat_amount = std::get<core::Kopecks>(vat);
  }

  if (!present(f[kCurrencyId])) return LineError{"missing currencyId"};
  if (f[kCurrencyId]->kind != Value::Kind::string || f[kCurrencyId]->text != "RUB")
    return LineError{"currencyId " + shown(*f[kCurrencyId]) + " is not RUB"};
  order.currency = "RUB";

  if (present(f[kParentId])) {
    const auto parent = uuid_field(*f[kParentId]);
    if (!parent) return LineError{"parentId is not a uuid: " + shown(*f[kParentId])};
    if (*parent == order.id) return LineError{"parentId equals id"};
    order.parent_id = *parent;
  }
  if (present(f[kMerchantId])) {
    const auto merchant = uuid_field(*f[kMerchantId]);
    if (!merchant) return LineError{"merchantId is not a uuid: " + shown(*f[kMerchantId])};
    order.merchant_id = *merchant;
  }
  if (present(f[kMerchantOrderId])) {
    if (f[kMerchantOrderId]->kind != Value::Kind::string)
      return LineError{"merchantOrderId is not a string: " + shown(*f[kMerchantOrderId])};
    // PostgreSQL text cannot hold U+0000: staged as it is, one such line failed the whole import.
    if (f[kMerchantOrderId]->text.find('\0') != std::string::npos)
      return LineError{
          "merchantOrderId contains a NUL character (\\u0000), which cannot be stored"};
    order.merchant_order_id = f[kMerchantOrderId]->text;
  }

  if (auto reason = optional_time(f, kCreatedAt, "createdAt", order.created_at))
    return LineError{std::move(*reason)};
  if (auto reason = optional_time(f, kPaidAt, "paidAt", order.paid_at))
    return LineError{std::move(*reason)};

  if (present(f[kCustomer]) && f[kCustomer]->kind != Value::Kind::object)
    return LineError{"customer is not an object: " + shown(*f[kCustomer])};
  if (present(f[kCustomerType])) {
    const auto& type = *f[kCustomerType];
    if (type.kind != Value::Kind::string || (type.text != "private" && type.text != "legal"))
      return LineError{"customer.type must be private or legal: " + shown(type)};
    order.customer_type = type.text;
  }
  return order;
}

}  // namespace

StateLine parse_state_line(std::string_view line) {
  LineSax sax;
  const bool ok = json::sax_parse(line.begin(), line.end(), &sax);
  if (!ok || !sax.error.empty()) return LineError{sax.error.empty() ? "invalid JSON" : sax.error};
  const auto& type = sax.fields[kObjectType];
  if (present(type) && type->kind == Value::Kind::string && type->text == "guaranteeFundOperation")
    return fund_operation(sax.fields);
  return order_line(sax.fields);
}

ParsedLine parse_invoicebox_line(std::string_view line) {
  auto parsed = parse_state_line(line);
  if (auto* order = std::get_if<InvoiceboxOrder>(&parsed)) return std::move(*order);
  if (auto* error = std::get_if<LineError>(&parsed)) return std::move(*error);
  return LineError{"a guarantee-fund operation, not an order"};
}

}  // namespace kassa::contract
