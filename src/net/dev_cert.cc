#include "net/dev_cert.h"

#include <fcntl.h>
#include <openssl/bio.h>
#include <openssl/bytestring.h>
#include <openssl/ec_key.h>
#include <openssl/evp.h>
#include <openssl/nid.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <memory>

#include "common/fd_io.h"

namespace claribi::net {

namespace {

struct Deleter {
  void operator()(EVP_PKEY* p) const { EVP_PKEY_free(p); }
  void operator()(X509* p) const { X509_free(p); }
  void operator()(BIO* p) const { BIO_free(p); }
  void operator()(X509_EXTENSION* p) const { X509_EXTENSION_free(p); }
};
template <typename T>
using Ptr = std::unique_ptr<T, Deleter>;

bool add_ext(X509* cert, int nid, const char* value) {
  X509V3_CTX ctx;
  X509V3_set_ctx(&ctx, cert, cert, nullptr, nullptr, 0);
  Ptr<X509_EXTENSION> ext(X509V3_EXT_nconf_nid(nullptr, &ctx, nid, value));
  return ext && X509_add_ext(cert, ext.get(), -1) == 1;
}

Status write_file(const std::string& path, const std::string& data, mode_t mode) {
  std::string tmp = path + ".tmp";
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
  if (fd < 0) return Status::IoError("cannot create " + tmp + ": " + std::strerror(errno));
  if (!write_all(fd, data)) {
    Status st = Status::IoError("cannot write " + tmp + ": " + std::strerror(errno));
    ::close(fd);
    return st;
  }
  ::fchmod(fd, mode);
  ::fsync(fd);
  ::close(fd);
  if (::rename(tmp.c_str(), path.c_str()) != 0)
    return Status::IoError("cannot rename " + tmp + ": " + std::strerror(errno));
  return Status::Ok();
}

std::string bio_to_string(BIO* bio) {
  const uint8_t* data = nullptr;
  size_t len = 0;
  BIO_mem_contents(bio, &data, &len);
  return std::string(reinterpret_cast<const char*>(data), len);
}

Status make_dir(const std::string& dir, mode_t mode) {
  if (::mkdir(dir.c_str(), mode) != 0 && errno != EEXIST)
    return Status::IoError("cannot create directory " + dir + ": " + std::strerror(errno));
  return Status::Ok();
}

}  // namespace

Result<CertPaths> ensure_dev_certificate(const std::string& data_dir) {
  CertPaths paths{data_dir + "/tls/dev-cert.pem", data_dir + "/tls/dev-key.pem"};
  struct stat st;
  if (::stat(paths.cert_file.c_str(), &st) == 0 && ::stat(paths.key_file.c_str(), &st) == 0)
    return paths;

  Status s = make_dir(data_dir, 0700);
  if (!s.ok()) return s;
  s = make_dir(data_dir + "/tls", 0700);
  if (!s.ok()) return s;

  Ptr<EVP_PKEY> key(EVP_PKEY_new());
  EC_KEY* ec = EC_KEY_new_by_curve_name(NID_X9_62_prime256v1);
  if (!key || !ec || !EC_KEY_generate_key(ec) || !EVP_PKEY_assign_EC_KEY(key.get(), ec)) {
    if (ec && !key) EC_KEY_free(ec);
    return Status::Internal("cannot generate the development key");
  }
  Ptr<X509> cert(X509_new());
  uint64_t serial;
  RAND_bytes(reinterpret_cast<uint8_t*>(&serial), sizeof serial);
  serial >>= 1;  // positive
  bool ok = cert && X509_set_version(cert.get(), X509_VERSION_3) &&
            ASN1_INTEGER_set_uint64(X509_get_serialNumber(cert.get()), serial) &&
            X509_gmtime_adj(X509_getm_notBefore(cert.get()), -3600) &&
            X509_gmtime_adj(X509_getm_notAfter(cert.get()), long(397) * 24 * 3600) &&  // the CA/Browser Forum maximum is 398 days
            X509_set_pubkey(cert.get(), key.get());
  if (ok) {
    X509_NAME* name = X509_get_subject_name(cert.get());
    ok = X509_NAME_add_entry_by_txt(name, "O", MBSTRING_ASC,
                                    reinterpret_cast<const uint8_t*>("clariBI development"), -1, -1, 0) &&
         X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                                    reinterpret_cast<const uint8_t*>("localhost"), -1, -1, 0) &&
         X509_set_issuer_name(cert.get(), name);
  }
  ok = ok && add_ext(cert.get(), NID_basic_constraints, "critical,CA:TRUE") &&
       add_ext(cert.get(), NID_key_usage, "critical,digitalSignature,keyCertSign") &&
       add_ext(cert.get(), NID_ext_key_usage, "serverAuth") &&
       add_ext(cert.get(), NID_subject_key_identifier, "hash") &&
       add_ext(cert.get(), NID_subject_alt_name, "DNS:localhost,IP:127.0.0.1,IP:::1") &&
       X509_sign(cert.get(), key.get(), EVP_sha256()) > 0;
  if (!ok) return Status::Internal("cannot build the development certificate");

  Ptr<BIO> cert_bio(BIO_new(BIO_s_mem()));
  Ptr<BIO> key_bio(BIO_new(BIO_s_mem()));
  if (!PEM_write_bio_X509(cert_bio.get(), cert.get()) ||
      !PEM_write_bio_PrivateKey(key_bio.get(), key.get(), nullptr, nullptr, 0, nullptr, nullptr))
    return Status::Internal("cannot encode the development certificate");
  // Key first, so a certificate never exists without its key.
  s = write_file(paths.key_file, bio_to_string(key_bio.get()), 0600);
  if (!s.ok()) return s;
  s = write_file(paths.cert_file, bio_to_string(cert_bio.get()), 0644);
  if (!s.ok()) return s;
  return paths;
}

}  // namespace claribi::net
