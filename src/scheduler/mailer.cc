// Mailer (see mailer.h).
#include "scheduler/mailer.h"

#include <openssl/base64.h>

#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <mutex>

#include "common/fd_io.h"
#include "common/time_util.h"

extern char** environ;

namespace claribi::scheduler {

namespace {

// RFC 2045 base64 (padded), in lines of 76 characters ending in CRLF.
void append_base64_lines(std::string& out, std::string_view data) {
  constexpr size_t kLineBytes = 57;  // 76 characters
  uint8_t buf[80];
  for (size_t i = 0; i < data.size(); i += kLineBytes) {
    size_t n = std::min(kLineBytes, data.size() - i);
    size_t len = EVP_EncodeBlock(buf, reinterpret_cast<const uint8_t*>(data.data() + i), n);
    out.append(reinterpret_cast<const char*>(buf), len);
    out.append("\r\n");
  }
}

// An RFC 2047 encoded word, so any report name is a valid header.
std::string encoded_word(std::string_view text) {
  std::string out = "=?UTF-8?B?";
  std::string b64;
  append_base64_lines(b64, text);
  b64.erase(std::remove(b64.begin(), b64.end(), '\r'), b64.end());
  b64.erase(std::remove(b64.begin(), b64.end(), '\n'), b64.end());
  out += b64;
  out += "?=";
  return out;
}

std::string iso(int64_t t) {
  char buf[32];
  return std::string(buf, format_iso8601(t, buf));
}

}  // namespace

Mailer::Mailer(MailerOptions options, AttemptFn on_attempt)
    : options_(std::move(options)), on_attempt_(std::move(on_attempt)) {
  thread_ = std::thread([this] { loop(); });
}

Mailer::~Mailer() { stop(); }

void Mailer::enqueue(Mail mail) {
  {
    std::lock_guard lk(mu_);
    if (stopping_) return;
    const uint32_t tried = mail.run.delivery_attempts;  // a delivery resumed after a restart counts on
    queue_.push_back(Item{std::move(mail), tried, std::chrono::steady_clock::now()});
  }
  cv_.notify_all();
}

void Mailer::stop() {
  {
    std::lock_guard lk(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void Mailer::loop() {
  std::unique_lock lk(mu_);
  while (!stopping_) {
    if (queue_.empty()) {
      cv_.wait(lk, [this] { return stopping_ || !queue_.empty(); });
      continue;
    }
    auto next = std::min_element(queue_.begin(), queue_.end(),
                                 [](const Item& a, const Item& b) { return a.due < b.due; });
    if (next->due > std::chrono::steady_clock::now()) {
      cv_.wait_until(lk, next->due);
      continue;
    }
    Item item = std::move(*next);
    queue_.erase(next);
    lk.unlock();
    std::string error = send(item.mail);
    ++item.attempts;
    model::DeliveryStatus status = error.empty()                         ? model::DeliveryStatus::kSent
                                   : item.attempts >= options_.attempts ? model::DeliveryStatus::kFailed
                                                                         : model::DeliveryStatus::kPending;
    on_attempt_(item.mail.run, status, item.attempts, error);
    lk.lock();
    if (status == model::DeliveryStatus::kPending) {
      item.due = std::chrono::steady_clock::now() + options_.retry_delay * (1u << std::min(item.attempts - 1, 20u));
      queue_.push_back(std::move(item));
    }
  }
}

std::string Mailer::compose(const Mail& mail, const std::string& from, int64_t now) {
  const model::ReportRun& run = mail.run;
  const std::string boundary = "claribi-run-" + std::to_string(run.id);
  char date[kHttpDateLen + 1];
  date[format_http_date(now, date)] = '\0';
  std::string m;
  m += "From: <" + from + ">\r\n";
  m += "To: ";
  for (size_t i = 0; i < mail.to.size(); ++i) m += (i ? ", <" : "<") + mail.to[i] + ">";
  m += "\r\n";
  m += "Subject: " + encoded_word("Report \"" + mail.report_name + "\" " +
                                  (run.status == model::RunStatus::kSucceeded ? "" : "failed ") + "(" +
                                  iso(run.started_at) + ")") + "\r\n";
  m += std::string("Date: ") + date + "\r\n";
  m += "Message-ID: <run-" + std::to_string(run.id) + "." + std::to_string(run.report_id) + "@claribi>\r\n";
  m += "MIME-Version: 1.0\r\n";
  m += "Content-Type: multipart/mixed; boundary=\"" + boundary + "\"\r\n\r\n";
  m += "--" + boundary + "\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: base64\r\n\r\n";
  std::string text = "Report \"" + mail.report_name + "\" (id " + std::to_string(run.report_id) + "), run " +
                     std::to_string(run.id) + ", scheduled, started " + iso(run.started_at) + ".\r\n";
  if (run.status == model::RunStatus::kSucceeded) {
    text += std::to_string(run.row_count) + " row(s); the result is attached (" +
            (run.csv ? "CSV" : "JSON") + ").\r\n";
  } else {
    text += "The run failed: " + run.error_json + "\r\n";
  }
  append_base64_lines(m, text);
  if (run.status == model::RunStatus::kSucceeded) {
    const std::string name = std::to_string(run.report_id) + (run.csv ? ".csv" : ".json");
    m += "--" + boundary + "\r\nContent-Type: " + (run.csv ? "text/csv" : "application/json") +
         "; charset=utf-8; name=\"" + name + "\"\r\nContent-Disposition: attachment; filename=\"" + name +
         "\"\r\nContent-Transfer-Encoding: base64\r\n\r\n";
    append_base64_lines(m, run.result);
  }
  m += "--" + boundary + "--\r\n";
  return m;
}

namespace {

// A value of curl's config syntax: double-quoted, \ and " escaped.
std::string config_value(std::string_view v) {
  std::string out = "\"";
  for (char ch : v) {
    if (ch == '"' || ch == '\\') out.push_back('\\');
    if (ch == '\n' || ch == '\r') continue;
    out.push_back(ch);
  }
  out.push_back('"');
  return out;
}

}  // namespace

std::string Mailer::send(const Mail& mail) {
  const std::string message = compose(mail, options_.from, unix_now());
  // curl's options through a pipe (fd 3), so the relay's password never
  // shows in the process list; the message on stdin, curl's error on stderr.
  std::string config = "url = " + config_value(options_.url) + "\n";
  config += "mail-from = " + config_value(options_.from) + "\n";
  for (const std::string& to : mail.to) config += "mail-rcpt = " + config_value(to) + "\n";
  config += "ssl\nsilent\nshow-error\nconnect-timeout = 10\nmax-time = 60\nupload-file = \"-\"\n";

  int cfg[2], in[2], err[2];
  if (::pipe2(cfg, O_CLOEXEC) != 0) return std::string("pipe: ") + std::strerror(errno);
  if (::pipe2(in, O_CLOEXEC) != 0) {
    ::close(cfg[0]), ::close(cfg[1]);
    return std::string("pipe: ") + std::strerror(errno);
  }
  if (::pipe2(err, O_CLOEXEC) != 0) {
    ::close(cfg[0]), ::close(cfg[1]), ::close(in[0]), ::close(in[1]);
    return std::string("pipe: ") + std::strerror(errno);
  }
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_adddup2(&fa, in[0], 0);
  posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
  posix_spawn_file_actions_adddup2(&fa, err[1], 2);
  posix_spawn_file_actions_adddup2(&fa, cfg[0], 3);
  std::string program = options_.curl;
  char* argv[] = {program.data(), const_cast<char*>("--config"), const_cast<char*>("/dev/fd/3"), nullptr};
  pid_t pid = -1;
  int rc = ::posix_spawnp(&pid, program.c_str(), &fa, nullptr, argv, environ);
  posix_spawn_file_actions_destroy(&fa);
  ::close(cfg[0]);
  ::close(in[0]);
  ::close(err[1]);
  if (rc != 0) {
    ::close(cfg[1]), ::close(in[1]), ::close(err[0]);
    return "cannot run " + program + ": " + std::strerror(rc);
  }
  // The config is small (a pipe holds it); the message may not be, so curl
  // reads it while we write, and its stderr is read once it has finished.
  write_all(cfg[1], config);
  ::close(cfg[1]);
  write_all(in[1], message);  // a curl that gave up early closes its end: EPIPE (SIGPIPE is ignored)
  ::close(in[1]);
  std::string error;
  char buf[512];
  for (ssize_t n; (n = ::read(err[0], buf, sizeof buf)) != 0;) {
    if (n < 0) {
      if (errno == EINTR) continue;
      break;
    }
    if (error.size() < 2048) error.append(buf, size_t(n));
  }
  ::close(err[0]);
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (WIFEXITED(status) && WEXITSTATUS(status) == 0) return "";
  while (!error.empty() && (error.back() == '\n' || error.back() == '\r')) error.pop_back();
  if (error.empty()) error = "curl exited with status " + std::to_string(WIFEXITED(status) ? WEXITSTATUS(status) : -1);
  return error;
}

}  // namespace claribi::scheduler
