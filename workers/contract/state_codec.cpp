#include "contract/state_codec.hpp"

#include <stdexcept>

#include "contract/decode.hpp"
#include "contract/json_text.hpp"

namespace kassa::contract {
namespace {

using nlohmann::json;

core::UtcTime time_of(const json& value) {
  const auto time = core::parse_utc(value.get<std::string>());
  if (!time) throw std::runtime_error("stored order state has a bad time: " + value.dump());
  return *time;
}

json source_to_json(const core::Source& s) {
  json j = {{"topic", s.topic},
            {"partition", s.partition},
            {"offset", s.offset},
            {"key", s.key},
            {"payload", s.payload}};
  if (!s.has_key) j["has_key"] = false;  // only the rare keyless message says so
  return j;
}

core::Source source_from_json(const json& j) {
  return {j.at("topic"), j.at("partition"), j.at("offset"),
          j.at("key"),   j.at("payload"),   j.value("has_key", true)};
}

}  // namespace

json order_to_json(const core::OrderState& order) {
  json j = {{"order_id", order.order_id},
            {"merchant_id", order.merchant_id},
            {"payment", nullptr},
            {"shipment_ids", order.shipment_ids},
            {"refund_ids", order.refund_ids}};
  if (const auto& p = order.payment) {
    const auto& c = p->customer;
    j["payment"] = {{"event_id", p->event_id},
                    {"payment_id", p->payment_id},
                    {"merchant_order_id", p->merchant_order_id},
                    {"currency", p->currency},
                    {"amount", p->amount},
                    {"occurred_at", core::format_utc(p->occurred_at)},
                    {"customer",
                     {{"type", c.type == core::CustomerType::legal ? "legal" : "private"},
                      {"name", c.name},
                      {"email", c.email},
                      {"phone", c.phone},
                      {"inn", c.inn},
                      {"kpp", c.kpp}}}};
  }
  json lines = json::array();
  for (const auto& line : order.lines) {
    const auto& i = line.item;
    json settlements = json::array();
    for (const auto& s : line.settlements)
      settlements.push_back({{"event_id", s.event_id},
                             {"occurred_at", core::format_utc(s.occurred_at)},
                             {"quantity", s.quantity.milli},
                             {"amount", s.amount},
                             {"reversed", s.reversed.milli},
                             {"reversed_amount", s.reversed_amount}});
    lines.push_back({{"sku", i.sku},
                     {"name", i.name},
                     {"measure", i.measure},
                     {"measure_code", i.measure_code},
                     {"quantity", i.quantity.milli},
                     {"price", i.price},
                     {"total_amount", i.total_amount},
                     {"vat_code", i.vat_code},
                     {"type", i.type == core::LineType::service ? "service" : "commodity"},
                     {"shipped", line.shipped.milli},
                     {"shipped_amount", line.shipped_amount},
                     {"refunded_unshipped", line.refunded_unshipped.milli},
                     {"refunded_unshipped_amount", line.refunded_unshipped_amount},
                     {"refunded_shipped", line.refunded_shipped.milli},
                     {"refunded_shipped_amount", line.refunded_shipped_amount},
                     {"settlements", std::move(settlements)}});
  }
  j["lines"] = std::move(lines);
  json parked = json::array();
  for (const auto& waiting : order.parked) parked.push_back(source_to_json(waiting.source));
  j["parked"] = std::move(parked);
  // Only when set: the state of every other order keeps its bytes.
  if (order.waiting_for_merchant) j["waiting_for_merchant"] = true;
  return j;
}

// Keys in the order nlohmann's std::map keeps them (sorted), so the text equals dump()'s.
// One key and its value a line, so formatting is off here.
// clang-format off
std::string order_state_text(const core::OrderState& order) {
  JsonText w;
  w.open('{').key("lines").open('[');
  for (const auto& line : order.lines) {
    const auto& i = line.item;
    w.open('{')
        .key("measure").string(i.measure)
        .key("measure_code").string(i.measure_code)
        .key("name").string(i.name)
        .key("price").integer(i.price)
        .key("quantity").integer(i.quantity.milli)
        .key("refunded_shipped").integer(line.refunded_shipped.milli)
        .key("refunded_shipped_amount").integer(line.refunded_shipped_amount)
        .key("refunded_unshipped").integer(line.refunded_unshipped.milli)
        .key("refunded_unshipped_amount").integer(line.refunded_unshipped_amount)
        .key("settlements").open('[');
    for (const auto& s : line.settlements)
      w.open('{')
          .key("amount").integer(s.amount)
          .key("event_id").string(s.event_id)
          .key("occurred_at").string(core::format_utc(s.occurred_at))
          .key("quantity").integer(s.quantity.milli)
          .key("reversed").integer(s.reversed.milli)
          .key("reversed_amount").integer(s.reversed_amount)
          .close('}');
    w.close(']')
        .key("shipped").integer(line.shipped.milli)
        .key("shipped_amount").integer(line.shipped_amount)
        .key("sku").string(i.sku)
        .key("total_amount").integer(i.total_amount)
        .key("type").string(i.type == core::LineType::service ? "service" : "commodity")
        .key("vat_code").string(i.vat_code)
        .close('}');
  }
  w.close(']').key("merchant_id").string(order.merchant_id);
  w.key("order_id").string(order.order_id).key("parked").open('[');
  for (const auto& waiting : order.parked) {
    const core::Source& s = waiting.source;
    w.open('{');
    if (!s.has_key) w.key("has_key").boolean(false);
    w.key("key").string(s.key)
        .key("offset").integer(s.offset)
        .key("partition").integer(s.partition)
        .key("payload").string(s.payload)
        .key("topic").string(s.topic)
        .close('}');
  }
  w.close(']').key("payment");
  if (const auto& p = order.payment) {
    const auto& c = p->customer;
    w.open('{')
        .key("amount").integer(p->amount)
        .key("currency").string(p->currency)
        .key("customer").open('{')
            .key("email").string(c.email)
            .key("inn").string(c.inn)
            .key("kpp").string(c.kpp)
            .key("name").string(c.name)
            .key("phone").string(c.phone)
            .key("type").string(c.type == core::CustomerType::legal ? "legal" : "private")
            .close('}')
        .key("event_id").string(p->event_id)
        .key("merchant_order_id").string(p->merchant_order_id)
        .key("occurred_at").string(core::format_utc(p->occurred_at))
        .key("payment_id").string(p->payment_id)
        .close('}');
  } else {
    w.null();
  }
  w.key("refund_ids").open('[');
  for (const auto& id : order.refund_ids) w.string(id);
  w.close(']').key("shipment_ids").open('[');
  for (const auto& id : order.shipment_ids) w.string(id);
  w.close(']');
  if (order.waiting_for_merchant) w.key("waiting_for_merchant").boolean(true);
  w.close('}');
  return w.take();
}
// clang-format on

core::OrderState order_from_json(const json& j) {
  core::OrderState order;
  order.order_id = j.at("order_id");
  order.merchant_id = j.at("merchant_id");
  order.shipment_ids = j.at("shipment_ids").get<std::vector<std::string>>();
  order.refund_ids = j.at("refund_ids").get<std::vector<std::string>>();
  if (const auto& p = j.at("payment"); !p.is_null()) {
    const auto& c = p.at("customer");
    core::Customer customer{
        c.at("type") == "legal" ? core::CustomerType::legal : core::CustomerType::private_person,
        c.at("name"),
        c.at("email"),
        c.at("phone"),
        c.at("inn"),
        c.at("kpp")};
    order.payment = core::PaymentInfo{
        p.at("event_id"), p.at("payment_id"),  p.at("merchant_order_id"),   p.at("currency"),
        p.at("amount"),   std::move(customer), time_of(p.at("occurred_at"))};
  }
  for (const auto& l : j.at("lines")) {
    core::OrderLine line;
    auto& i = line.item;
    i.sku = l.at("sku");
    i.name = l.at("name");
    i.measure = l.at("measure");
    i.measure_code = l.at("measure_code");
    i.quantity = {l.at("quantity")};
    i.price = l.at("price");
    i.total_amount = l.at("total_amount");
    i.vat_code = l.at("vat_code");
    i.vat = core::parse_vat_code(i.vat_code).value();
    i.type = l.at("type") == "service" ? core::LineType::service : core::LineType::commodity;
    line.shipped = {l.at("shipped")};
    line.shipped_amount = l.at("shipped_amount");
    line.refunded_unshipped = {l.at("refunded_unshipped")};
    line.refunded_unshipped_amount = l.at("refunded_unshipped_amount");
    line.refunded_shipped = {l.at("refunded_shipped")};
    line.refunded_shipped_amount = l.at("refunded_shipped_amount");
    for (const auto& s : l.at("settlements"))
      line.settlements.push_back({s.at("event_id"),
                                  time_of(s.at("occurred_at")),
                                  {s.at("quantity")},
                                  s.at("amount"),
                                  {s.at("reversed")},
                                  s.at("reversed_amount")});
    order.lines.push_back(std::move(line));
  }
  for (const auto& p : j.at("parked")) {
    core::Source source = source_from_json(p);
    const json payload = json::parse(source.payload);
    const auto kind = kind_from_event_type(payload.at("event_type").get<std::string>());
    if (!kind) throw std::runtime_error("stored parked event has an unknown event_type");
    order.parked.push_back({event_from_json(*kind, payload), std::move(source)});
  }
  order.waiting_for_merchant = j.value("waiting_for_merchant", false);
  return order;
}

}  // namespace kassa::contract
