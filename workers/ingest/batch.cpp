#include "ingest/batch.hpp"

#include "contract/dead_letter.hpp"
#include "contract/encoding.hpp"
#include "contract/receipt_json.hpp"

namespace kassa::ingest {
namespace {

std::string dead_letter_id(const core::Source& source) {
  return contract::uuid_v5(contract::kOutputNamespace, "dlq:" + source.topic + ":" +
                                                           std::to_string(source.partition) + ":" +
                                                           std::to_string(source.offset));
}

class Applier {
 public:
  Applier(Snapshot snapshot, core::UtcTime now, const Outputs& outputs)
      : snapshot_(std::move(snapshot)), now_(now), outputs_(outputs) {}

  void message(const DecodedMessage& m) {
    const auto& source = m.message.source;
    auto& next = result_.next_offsets[{source.topic, source.partition}];
    next = std::max(next, source.offset + 1);
    ++result_.counts.messages;

    if (m.decoded.rejection) return dead_letter(source, *m.decoded.rejection, "");
    const core::Event& event = *m.decoded.event;
    const auto& header = core::header_of(event);

    // Inbox: the same event_id again is a redelivery when the bytes match, a conflict otherwise.
    if (const auto seen = snapshot_.inbox.find(header.event_id); seen != snapshot_.inbox.end()) {
      if (seen->second.fingerprint == m.decoded.fingerprint) {
        count(source.topic, "duplicate", &Counts::duplicates);
        return;
      }
      return dead_letter(
          source,
          {core::ErrorCode::event_id_conflict,
           "event_id " + header.event_id + " was seen before with different content"},
          header.event_id);
    }

    auto [it, created] = snapshot_.orders.try_emplace(header.order_id);
    core::OrderState& order = it->second;
    if (created) order.order_id = header.order_id;
    // What waited for a merchant that has arrived meanwhile goes first, in its business order.
    if (order.waiting_for_merchant && merchant_known(order.merchant_id)) release(order);
    if (order.waiting_for_merchant ||
        (outputs_.wait_for_merchant && !merchant_known(header.merchant_id))) {
      return record_own(order, {core::wait_for_merchant(order, event, source)}, m);
    }
    record_own(order, core::apply_event(order, event, source), m);
  }

  // Every order of the snapshot that waits for a merchant now known.
  void release_all() {
    for (auto& [id, order] : snapshot_.orders)
      if (order.waiting_for_merchant && merchant_known(order.merchant_id)) release(order);
  }

  BatchResult finish() { return std::move(result_); }

 private:
  // The steps of the message's own event: the first is the event itself.
  void record_own(core::OrderState& order, const std::vector<core::Step>& steps,
                  const DecodedMessage& m) {
    record(order, steps, &m);
  }

  bool merchant_known(const std::string& merchant_id) const {
    const auto it = snapshot_.merchants.find(merchant_id);
    return it != snapshot_.merchants.end() && !it->second.empty();
  }

  void release(core::OrderState& order) {
    // The payments among the waiting events, for their channel on the ledger.
    std::vector<core::PaymentSucceeded> payments;
    for (const auto& waiting : order.parked)
      if (const auto* p = std::get_if<core::PaymentSucceeded>(&waiting.event))
        payments.push_back(*p);
    record(order, core::release_merchant_wait(order), nullptr, &payments);
  }

  // The steps of one event (or of a release): inbox, ledger, receipts, packages, dead letters.
  // `own` is the message whose event the first step is (none for a release); a step with a
  // source of its own is a parked event released, counted as such.
  void record(core::OrderState& order, const std::vector<core::Step>& steps,
              const DecodedMessage* own_message,
              const std::vector<core::PaymentSucceeded>* released_payments = nullptr) {
    bool changed = false;
    for (std::size_t i = 0; i < steps.size(); ++i) {
      const core::Step& step = steps[i];
      const bool own = i == 0 && own_message != nullptr && !step.source;
      const core::Source& step_source = own ? own_message->message.source : *step.source;
      const std::string step_fingerprint =
          own ? own_message->decoded.fingerprint : contract::sha256_hex(step_source.payload);
      snapshot_.inbox[step.event_id] = {step_fingerprint, step.outcome};
      result_.inbox.push_back({step.event_id, order.order_id, step_fingerprint, step_source.topic,
                               step.kind, step.outcome, step_source.partition, step_source.offset});
      switch (step.outcome) {
        case core::Outcome::applied: {
          count(step_source.topic, "applied", &Counts::applied);
          LedgerWrite& row = result_.ledger.emplace_back();
          row.event_id = step.event_id;
          row.order_id = order.order_id;
          row.merchant_id = order.merchant_id;
          row.business_id = step.business_id;
          row.kind = step.kind;
          row.amount = step.amount;
          row.occurred_at = step.occurred_at;
          if (step.kind == core::EventKind::payment) {
            const core::PaymentSucceeded* payment =
                own ? std::get_if<core::PaymentSucceeded>(&*own_message->decoded.event) : nullptr;
            if (payment == nullptr && released_payments != nullptr)
              for (const auto& p : *released_payments)
                if (p.header.event_id == step.event_id) payment = &p;
            if (payment != nullptr) {
              row.channel = payment->channel;
              row.payment_method = payment->payment_method;
              row.partner_id = payment->partner_id;
              row.partner_operation_id = payment->partner_operation_id;
              ++result_.counts
                    .payments_by_channel_method[{payment->channel, payment->payment_method}];
            }
          }
          issue_receipts(order, step);
          issue_package(order, step);
          changed = true;
          break;
        }
        case core::Outcome::parked:
          count(step_source.topic, "parked", &Counts::parked);
          changed = true;
          break;
        case core::Outcome::duplicate:
          count(step_source.topic, "duplicate", &Counts::duplicates);
          break;
        case core::Outcome::rejected:
          dead_letter(step_source, *step.rejection, step.event_id);
          break;
      }
      // A parked event that its payment, or its merchant, let through.
      if (!own) {
        count(step_source.topic, "released", &Counts::released);
        changed = true;
      }
    }
    if (changed) result_.orders[order.order_id] = order;
  }

  // Receipts go out through the outbox in this same transaction; their ids are UUID v5 of the
  // source event and kind, so a redelivered event (stopped by the inbox anyway) could not make a
  // second one either.
  void issue_receipts(const core::OrderState& order, const core::Step& step) {
    const std::optional<core::Supplier> supplier = supplier_of(order.merchant_id, step.occurred_at);
    for (const auto& receipt : core::build_receipts(order, step, outputs_.seller, supplier)) {
      const std::string id = contract::receipt_id(receipt);
      std::string body =
          contract::receipt_json(receipt, outputs_.seller, outputs_.atol_callback_url);
      result_.outbox.push_back({id, outputs_.receipts, order.order_id, body, BodyFrom::receipt});
      result_.receipts.push_back({id, order.order_id, order.merchant_id, receipt.source_event_id,
                                  std::move(body), receipt.kind, receipt.issued_at, receipt.total,
                                  receipt.lines.size()});
      ++result_.counts.receipts_by_kind[std::string(core::receipt_kind_name(receipt.kind))];
      if (receipt.default_supplier) ++result_.counts.receipts_default_supplier;
      if (receipt.default_supplier_phone) ++result_.counts.receipts_default_supplier_phone;
    }
  }

  // The merchant's requisites in force when the step's event occurred, if it has any.
  std::optional<core::Supplier> supplier_of(const std::string& merchant_id,
                                            core::UtcTime at) const {
    const auto merchant = snapshot_.merchants.find(merchant_id);
    if (merchant == snapshot_.merchants.end()) return std::nullopt;
    return core::requisites_as_of(merchant->second, at);
  }

  // An organization buyer's package; numbered and rendered by the shell in the same transaction.
  void issue_package(const core::OrderState& order, const core::Step& step) {
    const std::optional<core::Supplier> supplier = supplier_of(order.merchant_id, step.occurred_at);
    auto package = core::build_package(order, step, outputs_.seller, supplier);
    if (!package) return;
    ++result_.counts.packages_by_kind[std::string(core::package_kind_name(package->kind))];
    result_.packages.push_back(std::move(*package));
  }

  // One outcome of a message: its total and its topic's share.
  void count(const std::string& topic, const char* outcome, std::int64_t Counts::*total) {
    ++(result_.counts.*total);
    ++result_.counts.by_topic_outcome[{topic, outcome}];
  }

  void dead_letter(const core::Source& source, const core::Rejection& rejection,
                   const std::string& event_id) {
    count(source.topic, "rejected", &Counts::rejected);
    add_dead_letter(result_, source, rejection, event_id, now_, outputs_);
  }

  Snapshot snapshot_;
  core::UtcTime now_;
  const Outputs& outputs_;
  BatchResult result_;
};

}  // namespace

void add_dead_letter(BatchResult& result, const core::Source& source,
                     const core::Rejection& rejection, const std::string& event_id,
                     core::UtcTime now, const Outputs& outputs) {
  const std::string code(core::error_code_name(rejection.code));
  ++result.counts.rejected_by_code[code];
  result.outbox.push_back(
      {dead_letter_id(source), outputs.dlq, source.key,
       contract::dead_letter_json(source, rejection, now, event_id, outputs.dlq_max_bytes)});
  result.rejections.push_back({source.topic, event_id, code, rejection.message, source.payload,
                               source.partition, source.offset});
}

Counts& Counts::operator+=(const Counts& other) {
  messages += other.messages;
  applied += other.applied;
  parked += other.parked;
  released += other.released;
  duplicates += other.duplicates;
  rejected += other.rejected;
  for (const auto& [code, n] : other.rejected_by_code) rejected_by_code[code] += n;
  for (const auto& [kind, n] : other.receipts_by_kind) receipts_by_kind[kind] += n;
  receipts_default_supplier += other.receipts_default_supplier;
  receipts_default_supplier_phone += other.receipts_default_supplier_phone;
  for (const auto& [kind, n] : other.packages_by_kind) packages_by_kind[kind] += n;
  for (const auto& [key, n] : other.payments_by_channel_method)
    payments_by_channel_method[key] += n;
  for (const auto& [key, n] : other.by_topic_outcome) by_topic_outcome[key] += n;
  return *this;
}

std::vector<DecodedMessage> decode_batch(contract::Decoder& decoder,
                                         std::vector<Message> messages) {
  std::vector<DecodedMessage> out;
  out.reserve(messages.size());
  for (auto& message : messages) {
    auto key =
        message.source.has_key ? std::optional<std::string>(message.source.key) : std::nullopt;
    auto decoded = decoder.decode(message.topic_kind, key, message.source.payload);
    out.push_back({std::move(message), std::move(decoded)});
  }
  return out;
}

Needs needs_of(const std::vector<DecodedMessage>& batch) {
  Needs needs;
  for (const auto& m : batch) {
    if (!m.decoded.event) continue;
    const auto& header = core::header_of(*m.decoded.event);
    needs.order_ids.insert(header.order_id);
    needs.event_ids.insert(header.event_id);
    needs.merchant_ids.insert(header.merchant_id);
  }
  return needs;
}

BatchResult apply_batch(const std::vector<DecodedMessage>& batch, Snapshot snapshot,
                        core::UtcTime now, const Outputs& outputs) {
  Applier applier(std::move(snapshot), now, outputs);
  for (const auto& m : batch) applier.message(m);
  return applier.finish();
}

BatchResult release_waiting(Snapshot snapshot, core::UtcTime now, const Outputs& outputs) {
  Applier applier(std::move(snapshot), now, outputs);
  applier.release_all();
  return applier.finish();
}

}  // namespace kassa::ingest
