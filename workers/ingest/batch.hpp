// The batch function: Kafka messages in, effects out, no I/O. The worker, replay, the benchmark
// and the unit tests all run this same code; the shell only loads the snapshot it asks for and
// writes the result in one transaction.
//
//   1. decode_batch: bytes -> typed events or rejections (contract/decode)
//   2. needs_of: which orders and event ids the store must load
//   3. apply_batch: dedup by event_id (inbox), apply to order state (core/order), collect
//      inbox rows, ledger rows, dead letters (outbox) and the next offset per partition.
//
// Exactly once rests on the shell writing all of it, offsets included, in one transaction.
#pragma once

#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "contract/dead_letter.hpp"
#include "contract/decode.hpp"
#include "core/merchant.hpp"
#include "core/order.hpp"
#include "core/package.hpp"
#include "core/receipt.hpp"

namespace kassa::ingest {

struct Message {
  core::EventKind topic_kind = core::EventKind::payment;  // which input topic it came from
  core::Source source;            // source.has_key: false for a message without a key
  std::int64_t timestamp_ms = 0;  // Kafka message timestamp; orders the merge across topics
};

struct DecodedMessage {
  Message message;
  contract::Decoded decoded;
};

std::vector<DecodedMessage> decode_batch(contract::Decoder& decoder, std::vector<Message> messages);

struct Needs {
  std::set<std::string> order_ids;
  std::set<std::string> event_ids;
  std::set<std::string> merchant_ids;  // for the supplier data of receipts
};
Needs needs_of(const std::vector<DecodedMessage>& batch);

struct InboxRecord {
  std::string fingerprint;
  core::Outcome status = core::Outcome::applied;
};

// What the store loaded for this batch: the orders and inbox entries it asked for that exist.
struct Snapshot {
  std::map<std::string, core::OrderState> orders;
  std::map<std::string, InboxRecord> inbox;
  // Versions of the batch's merchants in date order: the row of kassa.merchants (from the
  // beginning of time), then the merchants topic's events (kassa.merchant_versions).
  std::map<std::string, std::vector<core::MerchantVersion>> merchants;
};

struct InboxWrite {
  std::string event_id, order_id, fingerprint, topic;
  core::EventKind kind = core::EventKind::payment;
  core::Outcome status = core::Outcome::applied;
  std::int32_t partition = 0;
  std::int64_t offset = 0;
};

struct LedgerWrite {
  std::string event_id, order_id, merchant_id, business_id;
  core::EventKind kind = core::EventKind::payment;
  core::Kopecks amount = 0;
  core::UtcTime occurred_at;
  // A payment's channel and method (contract section 6); empty for shipments and refunds.
  std::string channel, payment_method, partner_id, partner_operation_id;
};

// Where the published bytes of an outbox row are kept: in the row, or (stored once) in the
// receipt or package row whose id is the message id.
enum class BodyFrom { payload, receipt, package };

struct OutboxWrite {
  std::string message_id;  // deterministic: a second write of the same message is a no-op
  std::string topic, key, payload;
  BodyFrom body_from = BodyFrom::payload;
};

struct RejectionWrite {
  std::string source_topic, event_id, error_code, error;
  std::string payload;  // the original bytes, whole (the dead letter may carry only a prefix)
  std::int32_t partition = 0;
  std::int64_t offset = 0;
};

struct ReceiptWrite {
  std::string receipt_id, order_id, merchant_id, source_event_id, body;
  core::ReceiptKind kind = core::ReceiptKind::prepayment;
  core::UtcTime issued_at;
  core::Kopecks total = 0;
  std::size_t line_count = 0;
};

struct Counts {
  // parked counts events parked on arrival; released those a payment later let through (then
  // counted again as applied or rejected). Still waiting = parked - released, over all batches.
  std::int64_t messages = 0, applied = 0, parked = 0, released = 0, duplicates = 0, rejected = 0;
  std::map<std::string, std::int64_t> rejected_by_code;
  std::map<std::string, std::int64_t> receipts_by_kind;
  std::int64_t receipts_default_supplier = 0;        // merchant without any version
  std::int64_t receipts_default_supplier_phone = 0;  // listed there without phones
  std::map<std::string, std::int64_t> packages_by_kind;
  // Applied payments per (channel, payment method).
  std::map<std::pair<std::string, std::string>, std::int64_t> payments_by_channel_method;
  // The outcomes above (applied, parked, released, duplicate, rejected) per input topic.
  std::map<std::pair<std::string, std::string>, std::int64_t> by_topic_outcome;
  Counts& operator+=(const Counts& other);
};

// A numbered package as the shell writes it: by the batch (kassa.packages 'rendering' and
// kassa.documents; body without files), then by the renderer (the files with their bytes and
// sha256, the message as published, the e-mail).
struct FileWrite {
  core::DocumentType type = core::DocumentType::agent_report;
  std::string name, media_type, sha256, bytes;
};
// The e-mail that takes a package to its buyer, queued with it (kassa.mail_outbox).
struct MailWrite {
  std::string message_id, sender, recipient, message;
};
struct PackageWrite {
  core::Package package;
  std::string package_id, body;
  std::vector<FileWrite> files;
  std::optional<MailWrite> mail;  // none when e-mail is off or the buyer gave no address
};

struct PartitionKey {
  std::string topic;
  std::int32_t partition = 0;
  auto operator<=>(const PartitionKey&) const = default;
};

struct BatchResult {
  std::map<std::string, core::OrderState> orders;  // orders whose state changed
  std::vector<InboxWrite> inbox;                   // upserts (parked events change status later)
  std::vector<LedgerWrite> ledger;
  std::vector<OutboxWrite> outbox;
  std::vector<RejectionWrite> rejections;
  std::vector<ReceiptWrite> receipts;
  // Packages of organization buyers, built but not numbered: numbers come from counters that
  // only the transaction can lock, so the shell numbers them into package_writes before it
  // writes the batch (app/packages); their files and messages come later, from the renderer.
  std::vector<core::Package> packages;
  std::vector<PackageWrite> package_writes;
  core::Counters counters;                            // the sequences after numbering
  std::map<PartitionKey, std::int64_t> next_offsets;  // offset of the last message + 1
  Counts counts;
};

// Where the outputs go and what they say about the seller (configuration).
struct Outputs {
  std::string dlq = "kassa.dlq.v1";
  std::string receipts = "kassa.receipts.v1";
  std::string documents = "kassa.documents.v1";
  core::Seller seller;
  std::string atol_callback_url;
  // KASSA_DLQ_MAX_BYTES: the dead letter's key + serialized value (contract/dead_letter.hpp)
  std::size_t dlq_max_bytes = contract::kDefaultDeadLetterMaxBytes;
  // KASSA_UNKNOWN_MERCHANT=wait (app::outputs_of sets it; the configuration's default): an order
  // event whose merchant has no version waits for it. Otherwise it gets the default supplier.
  bool wait_for_merchant = false;
};

// `now` stamps dead letters (failed_at); the core itself never reads a clock.
BatchResult apply_batch(const std::vector<DecodedMessage>& batch, Snapshot snapshot,
                        core::UtcTime now, const Outputs& outputs);

// A dead letter of `source` (kassa.rejections row and DLQ outbox row) added to `result`; its
// message id comes from the source's coordinates, so writing it twice publishes it once.
void add_dead_letter(BatchResult& result, const core::Source& source,
                     const core::Rejection& rejection, const std::string& event_id,
                     core::UtcTime now, const Outputs& outputs);

// The merchants of the snapshot arrived: applies what waited for them in the snapshot's orders
// (those whose merchant now has a version). No messages, no offsets.
BatchResult release_waiting(Snapshot snapshot, core::UtcTime now, const Outputs& outputs);

}  // namespace kassa::ingest
