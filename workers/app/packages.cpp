#include "app/packages.hpp"

#include <algorithm>
#include <future>
#include <set>
#include <thread>

#include "contract/encoding.hpp"
#include "contract/mail_message.hpp"
#include "contract/package_json.hpp"
#include "store/batch_store.hpp"
#include "store/database.hpp"
#include "store/document_store.hpp"
#include "store/merchant_store.hpp"
#include "support/log.hpp"
#include "support/threads.hpp"

namespace kassa::app {
namespace {

// A PDF takes a few milliseconds and each package renders on its own: spread them over the
// cores. The bytes do not depend on the thread, so the outcome is that of one thread.
std::vector<std::vector<render::PackageFile>> render_all(const std::vector<core::Package>& packages,
                                                         const render::RenderOptions& options) {
  std::vector<std::vector<render::PackageFile>> out(packages.size());
  const std::size_t threads = std::min<std::size_t>(
      {packages.size(), std::max(1u, std::thread::hardware_concurrency()), 4});
  if (threads <= 1) {
    for (std::size_t i = 0; i < packages.size(); ++i)
      out[i] = render::render_package(packages[i], options);
    return out;
  }
  std::vector<std::future<void>> running;
  for (std::size_t t = 0; t < threads; ++t)
    running.push_back(std::async(std::launch::async, [&, t] {
      support::background_thread("kassa-render");
      for (std::size_t i = t; i < packages.size(); i += threads)
        out[i] = render::render_package(packages[i], options);
    }));
  for (auto& r : running) r.get();  // rethrows a failure; the others finish first (~future)
  return out;
}

// The package's message once its files exist, and the e-mail that carries them.
ingest::PackageWrite finished(const core::Package& package, std::vector<render::PackageFile> files,
                              const render::RenderOptions& options) {
  ingest::PackageWrite write;
  write.package = package;
  write.package_id = contract::package_id(package);
  std::vector<contract::DocumentFiles> listed(package.documents.size());
  for (auto& file : files) {
    for (std::size_t d = 0; d < package.documents.size(); ++d) {
      if (package.documents[d].type != file.type) continue;
      auto& entry = listed[d];
      if (file.media_type == "application/pdf") {
        entry.pdf_name = file.name;
        entry.pdf_sha256 = file.sha256;
      } else {
        entry.xml_name = file.name;
        entry.xml_sha256 = file.sha256;
      }
    }
    write.files.push_back({file.type, std::move(file.name), std::move(file.media_type),
                           std::move(file.sha256), std::move(file.bytes)});
  }
  write.body = contract::package_json(package, listed);
  if (!options.mail_from.empty() && !package.buyer.email.empty()) {
    std::vector<contract::MailAttachment> attachments;
    for (const auto& f : write.files) attachments.push_back({f.name, f.media_type, f.bytes});
    ingest::MailWrite mail;
    mail.message_id = contract::uuid_v5(contract::kOutputNamespace, write.package_id + ":mail");
    mail.sender = options.mail_from;
    mail.recipient = package.buyer.email;
    mail.message = contract::mail_message(package, {mail.sender, mail.recipient, mail.message_id},
                                          attachments);
    write.mail = std::move(mail);
  }
  return write;
}

}  // namespace

void issue_packages(pqxx::work& tx, ingest::BatchResult& result) {
  if (result.packages.empty()) return;
  auto last = store::lock_counters(tx, core::counter_keys(result.packages));
  result.counters = core::assign_numbers(result.packages, std::move(last));
  for (const core::Package& package : result.packages) {
    ingest::PackageWrite write;
    write.package = package;
    write.package_id = contract::package_id(package);
    write.body = contract::package_json(
        package, std::vector<contract::DocumentFiles>(package.documents.size()));
    result.package_writes.push_back(std::move(write));
  }
}

std::size_t render_pending(pqxx::work& tx, const std::string& topic,
                           const render::RenderOptions& options, std::size_t limit,
                           const FnsSettings& fns) {
  const auto pending = store::claim_rendering(tx, limit);
  if (pending.empty()) return 0;
  std::vector<core::Package> packages;
  std::set<std::string> merchants;
  for (const auto& p : pending) {
    packages.push_back(contract::package_from_json(p.body));
    merchants.insert(packages.back().merchant_id);
  }
  const auto versions = store::load_merchant_versions(tx, merchants);
  for (auto& package : packages) {
    package.principal_edo_id =
        store::merchant_edo_id(versions, package.merchant_id, package.issued_at);
    package.agent_edo_id = fns.agent_edo_id;
    package.signer = fns.signer;
  }
  auto files = render_all(packages, options);
  std::vector<ingest::PackageWrite> writes;
  std::vector<ingest::OutboxWrite> outbox;
  for (std::size_t i = 0; i < packages.size(); ++i) {
    writes.push_back(finished(packages[i], std::move(files[i]), options));
    outbox.push_back({writes.back().package_id, topic, packages[i].order_id, writes.back().body,
                      ingest::BodyFrom::package});
  }
  store::finish_packages(tx, writes);
  store::insert_outbox(tx, outbox);
  return writes.size();
}

struct Renderer::Impl {
  Impl(const Config& config, std::function<void()> rendered, Metrics* metrics)
      : config(config), rendered(std::move(rendered)), metrics(metrics), database(config.pg_dsn) {
    options.font_dir = config.font_dir;
    if (!config.smtp_addr.empty()) options.mail_from = config.smtp_from;
    fns.signer = config.signer;
    fns.agent_edo_id = config.seller_edo_id;
  }
  const Config& config;
  std::function<void()> rendered;
  Metrics* metrics;
  store::Database database;
  render::RenderOptions options;
  FnsSettings fns;
};

Renderer::Renderer(const Config& config, std::function<void()> rendered, Metrics* metrics)
    : impl_(std::make_unique<Impl>(config, std::move(rendered), metrics)) {}
Renderer::~Renderer() = default;

std::size_t Renderer::round() {
  pqxx::work tx(impl_->database.connection());
  const std::size_t done =
      render_pending(tx, impl_->config.topic_documents, impl_->options, 32, impl_->fns);
  tx.commit();
  if (impl_->metrics != nullptr) impl_->metrics->count_renders("rendered", done);
  if (done > 0 && impl_->rendered) impl_->rendered();
  return done;
}

void Renderer::wake() {
  wakeup_.wake();
}

void Renderer::run(const std::atomic<bool>& stop) {
  // Drawing PDFs can wait; the consumer issuing receipts cannot.
  support::background_thread("kassa-render");
  auto backoff = std::chrono::milliseconds(100);
  while (!stop.load()) {
    std::size_t done = 0;
    try {
      done = round();
      backoff = std::chrono::milliseconds(100);
    } catch (const std::exception& e) {
      // A missing font or a full disk: nothing is lost (the packages stay 'rendering'), and the
      // operator sees it here and in `kassa documents check`.
      log::error(std::string("renderer: ") + e.what() + "; retrying in " +
                 std::to_string(backoff.count()) + " ms");
      if (impl_->metrics != nullptr) impl_->metrics->count_renders("failed", 1);
      if (store::is_transient(e)) impl_->database.reset();
      wakeup_.pause(backoff, stop);
      backoff = std::min(backoff * 2, std::chrono::milliseconds(10000));
      continue;
    }
    if (done > 0) continue;  // more may be waiting
    wakeup_.wait(std::chrono::seconds(1), stop);
  }
}

void Renderer::drain(const std::atomic<bool>& stop) {
  auto backoff = std::chrono::milliseconds(100);
  for (int failures = 0; !stop.load() && failures < 20;) {
    try {
      if (round() > 0) continue;
      if (store::count_rendering(impl_->database.connection()) == 0) return;
      // Another renderer holds them, or an earlier package of their order: wait for it.
    } catch (const std::exception& e) {
      ++failures;
      log::warn(std::string("renderer: ") + e.what());
      if (store::is_transient(e)) impl_->database.reset();
    }
    std::this_thread::sleep_for(backoff);
    backoff = std::min(backoff * 2, std::chrono::milliseconds(2000));
  }
}

std::string package_body(pqxx::transaction_base& tx, core::Package package, const Config& config,
                         bool rendered) {
  if (!rendered)
    return contract::package_json(package,
                                  std::vector<contract::DocumentFiles>(package.documents.size()));
  package.principal_edo_id = store::merchant_edo_id(tx, package.merchant_id, package.issued_at);
  package.agent_edo_id = config.seller_edo_id;
  package.signer = config.signer;
  render::RenderOptions options;
  options.font_dir = config.font_dir;
  if (!config.smtp_addr.empty()) options.mail_from = config.smtp_from;
  return finished(package, render::render_package(package, options), options).body;
}

}  // namespace kassa::app
