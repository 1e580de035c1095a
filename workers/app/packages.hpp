// Document packages in two steps.
//
//  1. In the batch transaction (issue_packages): the counters are locked, the numbers given
//     (core::assign_numbers) and each package recorded 'rendering' with its documents, all
//     committed with the event that caused them or not at all. Cheap, so the consumer keeps pace.
//  2. The renderer (render_pending, in its own thread of `kassa run`) draws each package's files
//     (PDF, and FNS XML for the act and TORG-12), and in one transaction stores them, the package
//     message with their sha256 (outbox -> kassa.documents.v1) and the buyer's e-mail
//     (kassa.mail_outbox). The files are a function of the numbered package, so rendering again
//     after a crash gives the same bytes. Renderers of several replicas take disjoint packages
//     (store::claim_rendering), each drawing its claim on all cores; an order's packages are
//     finished one after the other, so its messages keep their order on the topic.
#pragma once

#include <atomic>
#include <functional>
#include <memory>
#include <string>

#include <pqxx/pqxx>

#include "app/background.hpp"
#include "app/config.hpp"
#include "app/metrics.hpp"
#include "ingest/batch.hpp"
#include "render/package_files.hpp"

namespace kassa::app {

// Step 1: fills result.counters and result.package_writes (bodies without files yet).
void issue_packages(pqxx::work& tx, ingest::BatchResult& result);

// The body kassa.packages holds for a numbered package: before rendering (`rendered` false) the
// package alone, once rendered the message as published, its files drawn as the renderer draws
// them (same EDO ids, signer and options, so the same bytes). For kassa replay --dry-run, which
// compares stored packages with those rebuilt from history.
std::string package_body(pqxx::transaction_base& tx, core::Package package, const Config& config,
                         bool rendered);

// What the FNS XML takes from configuration: the signer and the agent's EDO participant id.
struct FnsSettings {
  core::Signer signer;
  std::string agent_edo_id;
};

// Step 2 for up to `limit` packages waiting to be rendered; returns how many it finished (0: none
// waiting, or another renderer is at work). Before drawing the files it records in each package
// the merchant's EDO id (kassa.merchants) and `fns`, so that the message carries all the files
// were made from and `kassa documents render` gives the same bytes.
std::size_t render_pending(pqxx::work& tx, const std::string& topic,
                           const render::RenderOptions& options, std::size_t limit,
                           const FnsSettings& fns = {});

class Renderer {
 public:
  // `rendered` is called after each commit that finished packages (to wake the relay, mailer).
  // `metrics`, if given, counts packages rendered and rounds that failed.
  Renderer(const Config& config, std::function<void()> rendered, Metrics* metrics = nullptr);
  ~Renderer();
  // Rounds until `stop`, sleeping between empty rounds until wake() or a second passes.
  void run(const std::atomic<bool>& stop);
  void wake();
  // Rounds until no package waits (or `stop`); used before a bounded run exits.
  void drain(const std::atomic<bool>& stop);

 private:
  std::size_t round();
  struct Impl;
  std::unique_ptr<Impl> impl_;
  Wakeup wakeup_;
};

}  // namespace kassa::app
