#include "app/packages.hpp"

#include <algorithm>
#include <future>
#include <thread>

#include "contract/encoding.hpp"
#include "contract/mail_message.hpp"
#include "contract/package_json.hpp"
#include "store/document_store.hpp"

namespace kassa::app {
namespace {

// Rendering is most of a batch's CPU when it carries packages (a PDF takes a few milliseconds),
// and each package renders on its own: spread them over the cores. The bytes do not depend on
// the thread, so the outcome is the same as rendering one after another.
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
      for (std::size_t i = t; i < packages.size(); i += threads)
        out[i] = render::render_package(packages[i], options);
    }));
  for (auto& r : running) r.get();  // rethrows the first failure, after every thread is done
  return out;
}

}  // namespace

void number_and_render(ingest::BatchResult& result, core::Counters last, const std::string& topic,
                       const render::RenderOptions& options) {
  result.counters = core::assign_numbers(result.packages, std::move(last));
  const auto rendered = render_all(result.packages, options);
  for (std::size_t p = 0; p < result.packages.size(); ++p) {
    const core::Package& package = result.packages[p];
    ingest::PackageWrite write;
    write.package = package;
    write.package_id = contract::package_id(package);
    std::vector<contract::DocumentFiles> listed(package.documents.size());
    for (auto file : rendered[p]) {
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
      // The whole message is built and stored now, so that what is sent is fixed with the package.
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
    result.outbox.push_back({write.package_id, topic, package.order_id, write.body});
    result.package_writes.push_back(std::move(write));
  }
}

void issue_packages(pqxx::work& tx, ingest::BatchResult& result, const std::string& topic,
                    const render::RenderOptions& options) {
  if (result.packages.empty()) return;
  auto last = store::lock_counters(tx, core::counter_keys(result.packages));
  number_and_render(result, std::move(last), topic, options);
}

}  // namespace kassa::app
