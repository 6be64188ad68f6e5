// Mailer: e-mails scheduled report runs to their recipients through the
// configured SMTP relay (reports.smtp_url) with curl's SMTP client, run as a
// child process per message: smtp:// upgrades with STARTTLS when the relay
// offers it, smtps:// is TLS from the start, user:password in the URL
// authenticates. Not libcurl in process: even Debian's GnuTLS build of
// libcurl loads OpenSSL's libcrypto.so.3 (through libssh2), whose symbols
// share their names with BoringSSL's. curl gets its options through a pipe,
// so the relay's password never appears in the process list.
//
// One thread works a queue ordered by due time. A message that fails
// (connection, refusal, timeout) is tried again after retry_delay, doubled
// each time, up to `attempts` tries; every attempt's outcome is reported to
// on_attempt (which records it on the run), so a delivery is never lost
// silently. stop() ends the thread; messages still waiting stay "pending"
// on their runs, and are enqueued again at the next start-up
// (ReportRunner::pending_deliveries).
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "model/resources.h"

namespace claribi::scheduler {

struct MailerOptions {
  std::string url;   // smtp://[user:password@]host[:port] or smtps://...
  std::string from;  // envelope sender and From:
  uint32_t attempts = 5;
  std::chrono::seconds retry_delay{30};
  std::string curl = "curl";  // the program (PATH is searched)
};

struct Mail {
  model::ReportRun run;  // the recorded run (its result included)
  std::string report_name;
  std::vector<std::string> to;
};

class Mailer {
 public:
  // status kSent, kPending (an attempt failed, another follows) or kFailed
  // (the last attempt failed); error is curl's message for a failure (e.g.
  // "curl: (7) Failed to connect ..."), with the relay's reply when it refused.
  using AttemptFn = std::function<void(const model::ReportRun& run, model::DeliveryStatus status,
                                       uint32_t attempts, const std::string& error)>;
  Mailer(MailerOptions options, AttemptFn on_attempt);
  ~Mailer();  // stop()

  // Thread-safe. Attempts go on from mail.run.delivery_attempts (non-zero
  // for a delivery resumed after a restart).
  void enqueue(Mail mail);
  void stop();

  // The message as sent (RFC 5322 with a MIME multipart body), for tests.
  static std::string compose(const Mail& mail, const std::string& from, int64_t now);

 private:
  struct Item {
    Mail mail;
    uint32_t attempts = 0;
    std::chrono::steady_clock::time_point due;
  };
  void loop();
  // One SMTP transaction; "" on success, else why it failed.
  std::string send(const Mail& mail);

  const MailerOptions options_;
  AttemptFn on_attempt_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<Item> queue_;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace claribi::scheduler
