#include "contract/decode.hpp"

#include <stdexcept>
#include <vector>

#include "contract/encoding.hpp"
#include "contract/schema.hpp"
#include "core/requisites.hpp"

namespace kassa::embedded {
const std::vector<std::pair<std::string_view, std::string_view>>& schemas();
}

namespace kassa::contract {
namespace {

using core::ErrorCode;
using nlohmann::json;

core::Rejection reject(ErrorCode code, std::string message) {
  return {code, std::move(message)};
}

std::string string_or_empty(const json& object, const char* field) {
  const auto it = object.find(field);
  return it != object.end() && it->is_string() ? it->get<std::string>() : std::string();
}

core::Quantity quantity_of(const json& value) {
  // Validated by the schema pattern; a failure here is a bug, not bad input.
  const auto quantity = core::parse_quantity(value.get<std::string>());
  if (!quantity) throw std::logic_error("quantity passed the schema but does not parse");
  return *quantity;
}

core::EventHeader header_from_json(const json& j) {
  const auto occurred = core::parse_utc(j.at("occurred_at").get<std::string>());
  if (!occurred) throw std::logic_error("occurred_at passed the checks but does not parse");
  return {j.at("event_id").get<std::string>(), j.at("order_id").get<std::string>(),
          j.at("merchant_id").get<std::string>(), *occurred};
}

// The last date the tax service's formats can carry: the FNS XML's dates (the document's, from
// occurred_at in Moscow time, and the shipping document's) match (19|20)YY in its XSD. No real
// event is dated later, and a package dated later could never be issued.
constexpr core::CivilDate kLastDocumentDate{2099, 12, 31};

// Formats the schema cannot check; returns a message when something is off.
std::optional<std::string> check_formats(core::EventKind kind, const json& j) {
  const auto occurred = core::parse_utc(j.at("occurred_at").get<std::string>());
  if (!occurred) return "occurred_at is not a valid UTC time";
  if (core::moscow_date(*occurred) > kLastDocumentDate)
    return "occurred_at is later than 2099 (Moscow time), past what fiscal documents can carry";
  auto positive = [](const json& items, const char* where) -> std::optional<std::string> {
    for (const auto& item : items)
      if (quantity_of(item.at("quantity")).milli <= 0)
        return std::string(where) + " quantity must be > 0";
    return std::nullopt;
  };
  switch (kind) {
    case core::EventKind::payment:
      return positive(j.at("items"), "item");
    case core::EventKind::shipment: {
      const auto date = core::parse_date(j.at("document_date").get<std::string>());
      if (!date) return "document_date is not a valid date";
      if (*date > kLastDocumentDate)
        return "document_date is later than 2099, past what fiscal documents can carry";
      if (j.contains("items")) return positive(j.at("items"), "shipment item");
      return std::nullopt;
    }
    case core::EventKind::refund:
      return positive(j.at("items"), "refund item");
  }
  return std::nullopt;
}

// A buyer's requisites: a legal buyer must have a name (the FNS XML's НаимОрг or ФИО cannot be
// empty) and a valid INN (check digits included); an INN or KPP given for any buyer must be
// well-formed.
std::optional<core::Rejection> check_requisites(const json& document) {
  const auto customer = document.find("customer");
  if (customer == document.end() || !customer->is_object()) return std::nullopt;  // the schema
  const bool legal = customer->value("type", json()) == "legal";
  const auto inn = customer->find("inn");
  if (inn == customer->end()) {
    if (legal)
      return core::Rejection{ErrorCode::invalid_inn, "customer.inn: a legal buyer needs an INN"};
  } else if (!inn->is_string() || !core::valid_inn(inn->get<std::string>())) {
    return core::Rejection{ErrorCode::invalid_inn,
                           "customer.inn " + inn->dump() +
                               ": not a valid INN (10 or 12 digits with matching check digits)"};
  }
  const auto kpp = customer->find("kpp");
  if (kpp != customer->end() && (!kpp->is_string() || !core::valid_kpp(kpp->get<std::string>())))
    return core::Rejection{ErrorCode::invalid_kpp,
                           "customer.kpp " + kpp->dump() + ": not 9 digits"};
  if (legal) {
    const auto name = customer->find("name");
    if (name == customer->end() || !name->is_string() ||
        name->get_ref<const std::string&>().find_first_not_of(' ') == std::string::npos)
      return core::Rejection{ErrorCode::schema_violation,
                             "customer.name: a legal buyer needs a name for its documents"};
  }
  return std::nullopt;
}

// Deeper than any event of the contract can be (an item inside a list inside the event is 3).
// Checked on the bytes before parsing, so a hostile document of a million brackets costs one
// pass and no recursion anywhere (schema validation and dump() recurse).
constexpr int kMaxDepth = 32;

bool nested_deeper_than(std::string_view payload, int limit) {
  int depth = 0;
  bool in_string = false, escaped = false;
  for (const char c : payload) {
    if (in_string) {
      if (escaped)
        escaped = false;
      else if (c == '\\')
        escaped = true;
      else if (c == '"')
        in_string = false;
    } else if (c == '"') {
      in_string = true;
    } else if (c == '[' || c == '{') {
      if (++depth > limit) return true;
    } else if (c == ']' || c == '}') {
      --depth;
    }
  }
  return false;
}

// PostgreSQL's text and jsonb cannot hold U+0000, so an event carrying one (as \u0000 in any
// string, member name or value) could never be stored: refused here, before the database.
// Iterative: the depth is bounded above, but no recursion is needed.
std::optional<std::string> nul_character_at(const json& document) {
  std::vector<std::pair<const json*, std::string>> pending = {{&document, "$"}};
  while (!pending.empty()) {
    auto [node, path] = std::move(pending.back());
    pending.pop_back();
    if (node->is_string()) {
      if (node->get_ref<const std::string&>().find('\0') != std::string::npos) return path;
    } else if (node->is_object()) {
      for (const auto& [name, value] : node->items()) {
        if (name.find('\0') != std::string::npos) return path + " (a member name)";
        pending.emplace_back(&value, path + "." + name);
      }
    } else if (node->is_array()) {
      for (std::size_t i = 0; i < node->size(); ++i)
        pending.emplace_back(&(*node)[i], path + "[" + std::to_string(i) + "]");
    }
  }
  return std::nullopt;
}

}  // namespace

std::optional<core::EventKind> kind_from_event_type(std::string_view event_type) {
  for (auto kind : {core::EventKind::payment, core::EventKind::shipment, core::EventKind::refund})
    if (core::event_type_name(kind) == event_type) return kind;
  return std::nullopt;
}

std::string_view schema_text(std::string_view file_name) {
  for (const auto& [name, text] : embedded::schemas())
    if (name == file_name) return text;
  throw std::out_of_range("no embedded schema " + std::string(file_name));
}

core::Event event_from_json(core::EventKind kind, const json& j) {
  switch (kind) {
    case core::EventKind::payment: {
      core::PaymentSucceeded p;
      p.header = header_from_json(j);
      p.payment_id = j.at("payment_id").get<std::string>();
      p.merchant_order_id = j.at("merchant_order_id").get<std::string>();
      p.currency = j.at("currency").get<std::string>();
      p.amount = j.at("amount").get<core::Kopecks>();
      if (j.contains("channel")) p.channel = j.at("channel").get<std::string>();
      if (j.contains("payment_method")) p.payment_method = j.at("payment_method").get<std::string>();
      p.partner_id = string_or_empty(j, "partner_id");
      p.partner_operation_id = string_or_empty(j, "partner_operation_id");
      const auto& c = j.at("customer");
      p.customer.type =
          c.at("type") == "legal" ? core::CustomerType::legal : core::CustomerType::private_person;
      p.customer.name = string_or_empty(c, "name");
      p.customer.email = string_or_empty(c, "email");
      p.customer.phone = string_or_empty(c, "phone");
      p.customer.inn = string_or_empty(c, "inn");
      p.customer.kpp = string_or_empty(c, "kpp");
      for (const auto& i : j.at("items")) {
        core::OrderItem item;
        item.sku = i.at("sku").get<std::string>();
        item.name = i.at("name").get<std::string>();
        item.measure = i.at("measure").get<std::string>();
        item.measure_code = i.at("measure_code").get<std::string>();
        item.quantity = quantity_of(i.at("quantity"));
        item.price = i.at("price").get<core::Kopecks>();
        item.total_amount = i.at("total_amount").get<core::Kopecks>();
        item.vat_code = i.at("vat_code").get<std::string>();
        const auto vat = core::parse_vat_code(item.vat_code);
        if (!vat) throw std::logic_error("vat_code passed the schema but is unknown");
        item.vat = *vat;
        item.type = i.at("type") == "service" ? core::LineType::service : core::LineType::commodity;
        p.items.push_back(std::move(item));
      }
      return p;
    }
    case core::EventKind::shipment: {
      core::ShipmentConfirmed s;
      s.header = header_from_json(j);
      s.shipment_id = j.at("shipment_id").get<std::string>();
      s.document_number = j.at("document_number").get<std::string>();
      s.document_date = core::parse_date(j.at("document_date").get<std::string>()).value();
      if (j.contains("items")) {
        s.items.emplace();
        for (const auto& i : j.at("items"))
          s.items->push_back({i.at("sku").get<std::string>(), quantity_of(i.at("quantity"))});
      }
      return s;
    }
    case core::EventKind::refund: {
      core::RefundSucceeded r;
      r.header = header_from_json(j);
      r.refund_id = j.at("refund_id").get<std::string>();
      r.amount = j.at("amount").get<core::Kopecks>();
      r.reason = string_or_empty(j, "reason");
      for (const auto& i : j.at("items"))
        r.items.push_back({i.at("sku").get<std::string>(), quantity_of(i.at("quantity")),
                           i.at("amount").get<core::Kopecks>()});
      return r;
    }
  }
  throw std::logic_error("unknown event kind");
}

struct Decoder::Impl {
  SchemaValidator schemas[3] = {SchemaValidator("payment.succeeded.v1.json"),
                                SchemaValidator("shipment.confirmed.v1.json"),
                                SchemaValidator("refund.succeeded.v1.json")};

  std::optional<std::string> validate(core::EventKind kind, const json& document) {
    return schemas[static_cast<int>(kind)].problems(document);
  }
};

Decoder::Decoder() : impl_(std::make_unique<Impl>()) {}
Decoder::~Decoder() = default;

bool too_deeply_nested(std::string_view payload) {
  return nested_deeper_than(payload, kMaxDepth);
}

Decoded Decoder::decode(core::EventKind expected, const std::optional<std::string>& key,
                        std::string_view payload) {
  Decoded out;
  out.fingerprint = sha256_hex(payload);
  if (!is_valid_utf8(payload)) {
    out.rejection = reject(ErrorCode::invalid_encoding, "payload is not valid UTF-8");
    return out;
  }
  if (nested_deeper_than(payload, kMaxDepth)) {
    out.rejection = reject(ErrorCode::schema_violation,
                           "$: nested deeper than " + std::to_string(kMaxDepth) + " levels");
    return out;
  }
  json document = json::parse(payload, nullptr, false);
  if (document.is_discarded()) {
    out.rejection = reject(ErrorCode::invalid_json, "payload is not a JSON document");
    return out;
  }
  // A NUL can only arrive escaped (a raw one is not JSON): documents without the escape skip the
  // walk, which would otherwise build a path for every value of every event.
  if (const auto where = payload.find("\\u0000") == std::string_view::npos
                             ? std::nullopt
                             : nul_character_at(document)) {
    out.rejection = reject(ErrorCode::schema_violation,
                           *where + ": contains a NUL character (\\u0000), which cannot be stored");
    return out;
  }
  if (!document.is_object()) {
    out.rejection = reject(ErrorCode::schema_violation, "$: the event must be a JSON object");
    return out;
  }
  const std::string event_type = string_or_empty(document, "event_type");
  if (const auto kind = kind_from_event_type(event_type); kind && *kind != expected) {
    out.rejection = reject(ErrorCode::event_type_mismatch,
                           "event_type " + event_type + " does not belong on the " +
                               std::string(core::event_kind_name(expected)) + " topic");
    return out;
  }
  // Before the schema, which would also refuse most of these, so that finance sees the specific
  // reason: documents for an organization cannot be issued without its requisites.
  if (expected == core::EventKind::payment) {
    if (auto rejection = check_requisites(document)) {
      out.rejection = std::move(rejection);
      return out;
    }
  }
  if (auto problem = impl_->validate(expected, document)) {
    out.rejection = reject(ErrorCode::schema_violation, std::move(*problem));
    return out;
  }
  if (auto problem = check_formats(expected, document)) {
    out.rejection = reject(ErrorCode::schema_violation, std::move(*problem));
    return out;
  }
  const std::string order_id = document.at("order_id").get<std::string>();
  if (!key || *key != order_id) {
    // The key is raw bytes: quote it as text only when it is UTF-8, so that the reason (dead
    // letter, kassa.rejections) stays valid UTF-8 and serializable.
    // A NUL byte cannot go into PostgreSQL text either.
    const bool printable = key && is_valid_utf8(*key) && key->find('\0') == std::string::npos;
    const std::string shown = !key ? "" : printable ? *key : "(base64) " + base64_encode(*key);
    out.rejection = reject(ErrorCode::key_mismatch,
                           key ? "message key " + shown + " differs from order_id " + order_id
                               : "message has no key; expected order_id " + order_id);
    return out;
  }
  out.event = event_from_json(expected, document);
  return out;
}

}  // namespace kassa::contract
