// Mailer (see mailer.h).
#include "scheduler/mailer.h"

#include <curl/curl.h>
#include <openssl/base64.h>

#include <algorithm>
#include <cstring>
#include <mutex>

#include "common/time_util.h"

namespace claribi::scheduler {

namespace {

std::once_flag g_curl_once;

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

struct Upload {
  const std::string* data;
  size_t offset = 0;
};

size_t read_upload(char* out, size_t size, size_t count, void* user) {
  auto* u = static_cast<Upload*>(user);
  size_t n = std::min(size * count, u->data->size() - u->offset);
  std::memcpy(out, u->data->data() + u->offset, n);
  u->offset += n;
  return n;
}

}  // namespace

Mailer::Mailer(MailerOptions options, AttemptFn on_attempt)
    : options_(std::move(options)), on_attempt_(std::move(on_attempt)) {
  std::call_once(g_curl_once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
  thread_ = std::thread([this] { loop(); });
}

Mailer::~Mailer() { stop(); }

void Mailer::enqueue(Mail mail) {
  {
    std::lock_guard lk(mu_);
    if (stopping_) return;
    queue_.push_back(Item{std::move(mail), 0, std::chrono::steady_clock::now()});
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

std::string Mailer::send(const Mail& mail) {
  const std::string message = compose(mail, options_.from, unix_now());
  CURL* curl = curl_easy_init();
  if (curl == nullptr) return "curl_easy_init failed";
  char errbuf[CURL_ERROR_SIZE] = {0};
  struct curl_slist* rcpt = nullptr;
  for (const std::string& to : mail.to) rcpt = curl_slist_append(rcpt, ("<" + to + ">").c_str());
  Upload upload{&message};
  const std::string from = "<" + options_.from + ">";
  curl_easy_setopt(curl, CURLOPT_URL, options_.url.c_str());
  curl_easy_setopt(curl, CURLOPT_MAIL_FROM, from.c_str());
  curl_easy_setopt(curl, CURLOPT_MAIL_RCPT, rcpt);
  curl_easy_setopt(curl, CURLOPT_READFUNCTION, read_upload);
  curl_easy_setopt(curl, CURLOPT_READDATA, &upload);
  curl_easy_setopt(curl, CURLOPT_UPLOAD, 1L);
  curl_easy_setopt(curl, CURLOPT_INFILESIZE_LARGE, curl_off_t(message.size()));
  // smtp://: STARTTLS when offered; smtps:// is TLS anyway.
  curl_easy_setopt(curl, CURLOPT_USE_SSL, long(CURLUSESSL_TRY));
  curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT, 10L);
  curl_easy_setopt(curl, CURLOPT_TIMEOUT, 60L);
  curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, errbuf);
  CURLcode rc = curl_easy_perform(curl);
  std::string error;
  if (rc != CURLE_OK) {
    error = errbuf[0] != '\0' ? errbuf : curl_easy_strerror(rc);
    long code = 0;
    curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &code);
    if (code != 0) error += " (SMTP " + std::to_string(code) + ")";
  }
  curl_slist_free_all(rcpt);
  curl_easy_cleanup(curl);
  return error;
}

}  // namespace claribi::scheduler
