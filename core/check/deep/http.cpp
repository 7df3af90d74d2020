#include "core/check/deep/http.hpp"

#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <fmt/format.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <memory>
#include <optional>

namespace grpcmesh::check::deep {
namespace {

using Clock = std::chrono::steady_clock;

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) {
    s.remove_prefix(1);
  }
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) {
    s.remove_suffix(1);
  }
  return s;
}

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return (x >= 'A' && x <= 'Z' ? x + 32 : x) == (y >= 'A' && y <= 'Z' ? y + 32 : y);
         });
}

bool is_digit(char c) { return c >= '0' && c <= '9'; }

// RFC 9110 tchar: what a header name is made of.
bool is_token_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || is_digit(c) ||
         std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
}

// A few characters of what the server sent, printable, for an error line.
std::string excerpt(std::string_view s) {
  std::string out;
  for (char c : s.substr(0, 40)) {
    out += c >= 0x20 && c < 0x7f ? c : '?';
  }
  return s.size() > 40 ? out + "..." : out;
}

}  // namespace

bool ResponseReader::fail(std::string why) {
  state_ = State::kFailed;
  error_ = std::move(why);
  head_.clear();
  response_ = {};
  return false;
}

bool ResponseReader::feed(std::string_view bytes) {
  while (state_ == State::kHead && !bytes.empty()) {
    // The head ends at the first empty line (CRLF CRLF, or bare LFs).
    const size_t before = head_.size();
    const size_t room = kMaxHead - head_total_;
    head_.append(bytes.substr(0, room + 4));
    size_t end = std::string::npos;
    size_t body_at = 0;
    for (size_t i = scanned_ > 0 ? scanned_ - 1 : 0; i < head_.size(); ++i) {
      if (head_[i] != '\n') {
        continue;
      }
      if (i + 1 < head_.size() && head_[i + 1] == '\n') {
        end = i + 1;
        body_at = i + 2;
        break;
      }
      if (i + 2 < head_.size() && head_[i + 1] == '\r' && head_[i + 2] == '\n') {
        end = i + 1;
        body_at = i + 3;
        break;
      }
    }
    if (end == std::string::npos) {
      scanned_ = head_.size() > 2 ? head_.size() - 2 : 0;
      if (head_total_ + head_.size() > kMaxHead) {
        return fail(fmt::format("its status line and headers are longer than {} KiB", kMaxHead / 1024));
      }
      return true;
    }
    if (head_total_ + body_at > kMaxHead) {
      return fail(fmt::format("its status line and headers are longer than {} KiB", kMaxHead / 1024));
    }
    head_total_ += body_at;
    // What of `bytes` comes after the head.
    bytes.remove_prefix(body_at - before);
    std::string head = head_.substr(0, end);
    head_.clear();
    scanned_ = 0;
    if (!parse_head(head)) {
      return false;
    }
    if (response_.status < 200) {
      continue;  // an informational response: the real one follows
    }
    if (response_.status == 204 || response_.status == 304 || (has_length_ && length_ == 0)) {
      state_ = State::kDone;
      return false;
    }
    state_ = State::kBody;
  }
  if (state_ == State::kBody) {
    return take_body(bytes);
  }
  return state_ == State::kHead;
}

bool ResponseReader::take_body(std::string_view bytes) {
  std::string& body = response_.body;
  if (has_length_) {
    body.append(bytes.substr(0, length_ - body.size()));
    if (body.size() == length_) {
      state_ = State::kDone;
      return false;
    }
    return true;
  }
  if (body.size() + bytes.size() > max_body_) {
    return fail(fmt::format("its body is larger than {} MiB", max_body_ >> 20));
  }
  body.append(bytes);
  return true;
}

bool ResponseReader::parse_head(std::string_view head) {
  // The status line: HTTP/1.x SP 3DIGIT [SP reason].
  size_t eol = head.find('\n');
  std::string_view line = head.substr(0, eol);
  if (line.ends_with('\r')) {
    line.remove_suffix(1);
  }
  if (line.size() < 12 || !line.starts_with("HTTP/1.") || !is_digit(line[7]) || line[8] != ' ' ||
      !is_digit(line[9]) || !is_digit(line[10]) || !is_digit(line[11]) || (line.size() > 12 && line[12] != ' ')) {
    return fail(fmt::format("not an HTTP/1 status line: \"{}\"", excerpt(line)));
  }
  response_ = {};
  response_.status = (line[9] - '0') * 100 + (line[10] - '0') * 10 + (line[11] - '0');
  if (response_.status < 100) {
    return fail(fmt::format("status {} in \"{}\"", response_.status, excerpt(line)));
  }
  has_length_ = false;
  length_ = 0;
  size_t at = eol == std::string_view::npos ? head.size() : eol + 1;
  while (at < head.size()) {
    size_t next = head.find('\n', at);
    std::string_view h = head.substr(at, next == std::string_view::npos ? std::string_view::npos : next - at);
    at = next == std::string_view::npos ? head.size() : next + 1;
    if (h.ends_with('\r')) {
      h.remove_suffix(1);
    }
    size_t colon = h.find(':');
    std::string_view name = h.substr(0, colon);
    if (colon == std::string_view::npos || name.empty() || !std::all_of(name.begin(), name.end(), is_token_char)) {
      return fail(fmt::format("a malformed header line \"{}\"", excerpt(h)));
    }
    std::string_view value = trim(h.substr(colon + 1));
    if (iequals(name, "Content-Length")) {
      if (value.empty() || value.size() > 18 || !std::all_of(value.begin(), value.end(), is_digit)) {
        return fail(fmt::format("a malformed Content-Length \"{}\"", excerpt(value)));
      }
      size_t n = std::stoull(std::string(value));
      if (has_length_ && n != length_) {
        return fail("two different Content-Length headers");
      }
      if (n > max_body_) {
        return fail(fmt::format("its body is larger than {} MiB (Content-Length {})", max_body_ >> 20, n));
      }
      has_length_ = true;
      length_ = n;
    } else if (iequals(name, "Transfer-Encoding")) {
      // Never sent to an HTTP/1.0 request (RFC 9112 6.1).
      return fail(fmt::format("Transfer-Encoding \"{}\" in the answer to an HTTP/1.0 request", excerpt(value)));
    } else if (iequals(name, "Content-Encoding") && !value.empty() && !iequals(value, "identity")) {
      return fail(fmt::format("Content-Encoding \"{}\", which was not asked for", excerpt(value)));
    } else if (iequals(name, "Content-Type")) {
      response_.content_type = std::string(value);
    }
  }
  return true;
}

void ResponseReader::end() {
  if (state_ == State::kBody && !has_length_) {
    state_ = State::kDone;
  } else if (state_ == State::kBody) {
    fail(fmt::format("the connection closed after {} of the {} bytes of its body", response_.body.size(), length_));
  } else if (state_ == State::kHead) {
    fail(head_.empty() && head_total_ == 0 ? "the connection closed without a response"
                                           : "the connection closed in the middle of its headers");
  }
}

bool split_host_port(std::string_view address, std::string& host, std::string& port) {
  size_t colon = address.rfind(':');
  if (colon == std::string_view::npos || colon == 0) {
    return false;
  }
  std::string_view h = address.substr(0, colon);
  std::string_view p = address.substr(colon + 1);
  if (h.starts_with('[')) {
    if (!h.ends_with(']') || h.size() < 3) {
      return false;
    }
    h = h.substr(1, h.size() - 2);
  } else if (h.find(':') != std::string_view::npos) {
    return false;  // an IPv6 address goes in brackets
  }
  if (p.empty() || p.size() > 5 || !std::all_of(p.begin(), p.end(), is_digit) || std::stoi(std::string(p)) == 0 ||
      std::stoi(std::string(p)) > 65535 || h.find_first_of("/ \t?#@") != std::string_view::npos) {
    return false;
  }
  host = std::string(h);
  port = std::string(p);
  return true;
}

HttpClient::HttpClient(std::string host, std::string port, std::chrono::milliseconds timeout, int cancel_fd,
                       size_t max_body)
    : host_(std::move(host)), port_(std::move(port)), timeout_(timeout), cancel_fd_(cancel_fd), max_body_(max_body) {}

namespace {

struct Addresses {
  addrinfo* list = nullptr;
  ~Addresses() {
    if (list != nullptr) {
      freeaddrinfo(list);
    }
  }
};

struct Fd {
  int fd = -1;
  Fd() = default;
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  ~Fd() { reset(); }
  void reset(int to = -1) {
    if (fd >= 0) {
      ::close(fd);
    }
    fd = to;
  }
};

// One request on its own connection.
struct Conn {
  enum class Phase { kConnect, kSend, kRead, kDone };
  Phase phase = Phase::kConnect;
  Fd fd;
  const addrinfo* address = nullptr;  // the one being connected to
  std::string request;
  size_t sent = 0;
  std::optional<ResponseReader> reader;
  Clock::time_point connect_deadline;
  std::optional<Clock::time_point> deadline;
  int last_errno = 0;
};

std::string errno_text(int e) {
  std::string s = std::strerror(e);
  if (!s.empty() && s[0] >= 'A' && s[0] <= 'Z') {
    s[0] = static_cast<char>(s[0] + 32);
  }
  return s;
}

}  // namespace

void HttpClient::get_each(const std::vector<std::string>& paths,
                          const std::function<void(size_t, HttpResponse&&)>& on_response) const {
  if (paths.empty()) {
    return;
  }
  Addresses addresses;
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_NUMERICSERV;
  if (int rc = getaddrinfo(host_.c_str(), port_.c_str(), &hints, &addresses.list); rc != 0 || addresses.list == nullptr) {
    throw HttpError(HttpError::Kind::kConnect, fmt::format("lookup {}: {}", host_, gai_strerror(rc)));
  }
  const std::string authority = host_.find(':') != std::string::npos ? "[" + host_ + "]:" + port_ : host_ + ":" + port_;
  const auto start = Clock::now();
  const auto connect_limit = std::chrono::milliseconds(30000);
  std::vector<Conn> conns(paths.size());
  for (size_t i = 0; i < paths.size(); ++i) {
    Conn& c = conns[i];
    c.request = fmt::format("GET {} HTTP/1.0\r\nHost: {}\r\nUser-Agent: kubectl-grpcmesh\r\nAccept: application/json, */*\r\n\r\n",
                            paths[i], authority);
    c.reader.emplace(max_body_);
    c.connect_deadline = start + (timeout_.count() > 0 ? std::min(timeout_, connect_limit) : connect_limit);
    if (timeout_.count() > 0) {
      c.deadline = start + timeout_;
    }
    c.address = addresses.list;
  }
  // Starts connecting `c` to its address, or the next that takes a socket.
  auto connect = [&](Conn& c) {
    for (; c.address != nullptr; c.address = c.address->ai_next) {
      c.fd.reset(::socket(c.address->ai_family, c.address->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, c.address->ai_protocol));
      if (c.fd.fd < 0) {
        c.last_errno = errno;
        continue;
      }
      const int one = 1;
      setsockopt(c.fd.fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
      if (::connect(c.fd.fd, c.address->ai_addr, c.address->ai_addrlen) == 0 || errno == EINPROGRESS) {
        c.phase = Conn::Phase::kConnect;
        return;
      }
      c.last_errno = errno;
    }
    throw HttpError(HttpError::Kind::kConnect, errno_text(c.last_errno));
  };
  for (Conn& c : conns) {
    connect(c);
  }
  auto timeout_text = [&] {
    return fmt::format("{}s", std::chrono::duration_cast<std::chrono::duration<double>>(timeout_).count());
  };
  size_t left = conns.size();
  std::vector<pollfd> fds;
  std::vector<size_t> which;
  while (left > 0) {
    fds.clear();
    which.clear();
    auto now = Clock::now();
    std::optional<Clock::time_point> wake;
    for (size_t i = 0; i < conns.size(); ++i) {
      Conn& c = conns[i];
      if (c.phase == Conn::Phase::kDone) {
        continue;
      }
      // Connecting ends at the connect timeout or the request's deadline,
      // whichever comes first; the rest at the request's deadline.
      const bool connect_first =
          c.phase == Conn::Phase::kConnect && (!c.deadline || c.connect_deadline < *c.deadline);
      const std::optional<Clock::time_point> limit = connect_first ? std::optional(c.connect_deadline) : c.deadline;
      if (limit && now >= *limit) {
        if (connect_first) {
          throw HttpError(HttpError::Kind::kTimeout,
                          fmt::format("connecting timed out after {}s",
                                      std::chrono::duration_cast<std::chrono::seconds>(connect_limit).count()));
        }
        throw HttpError(HttpError::Kind::kTimeout,
                        fmt::format("no complete answer to {} within {} (--request-timeout)", paths[i], timeout_text()));
      }
      if (limit && (!wake || *limit < *wake)) {
        wake = limit;
      }
      fds.push_back({c.fd.fd, static_cast<short>(c.phase == Conn::Phase::kRead ? POLLIN : POLLOUT), 0});
      which.push_back(i);
    }
    if (cancel_fd_ >= 0) {
      fds.push_back({cancel_fd_, POLLIN, 0});
    }
    int wait_ms = -1;
    if (wake) {
      auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(*wake - now).count() + 1;
      wait_ms = static_cast<int>(std::min<long long>(ms, 1 << 30));
    }
    int n = ::poll(fds.data(), fds.size(), wait_ms);
    if (n < 0) {
      if (errno == EINTR) {
        continue;
      }
      throw HttpError(HttpError::Kind::kConnect, "poll: " + errno_text(errno));
    }
    if (cancel_fd_ >= 0 && fds.back().revents != 0) {
      throw HttpError(HttpError::Kind::kCancelled, "cancelled");
    }
    for (size_t k = 0; k < which.size(); ++k) {
      if (fds[k].revents == 0) {
        continue;
      }
      const size_t i = which[k];
      Conn& c = conns[i];
      if (c.phase == Conn::Phase::kConnect) {
        int err = 0;
        socklen_t len = sizeof err;
        getsockopt(c.fd.fd, SOL_SOCKET, SO_ERROR, &err, &len);
        if (err != 0) {
          c.last_errno = err;
          c.address = c.address->ai_next;
          connect(c);  // the next address, or the failure
          continue;
        }
        c.phase = Conn::Phase::kSend;
      }
      if (c.phase == Conn::Phase::kSend) {
        ssize_t w = ::send(c.fd.fd, c.request.data() + c.sent, c.request.size() - c.sent, MSG_NOSIGNAL);
        if (w < 0) {
          if (errno == EAGAIN || errno == EINTR) {
            continue;
          }
          throw HttpError(HttpError::Kind::kConnect, fmt::format("sending {}: {}", paths[i], errno_text(errno)));
        }
        c.sent += static_cast<size_t>(w);
        if (c.sent == c.request.size()) {
          // Not half-closed: Go's server cancels a request whose client
          // closed its side.
          c.phase = Conn::Phase::kRead;
        }
        continue;
      }
      char buffer[65536];
      ssize_t r = ::recv(c.fd.fd, buffer, sizeof buffer, 0);
      if (r < 0) {
        if (errno == EAGAIN || errno == EINTR) {
          continue;
        }
        // A reset too: it is no end of a body read to the end of the connection.
        throw HttpError(HttpError::Kind::kConnect, fmt::format("reading the answer to {}: {}", paths[i], errno_text(errno)));
      }
      ResponseReader& reader = *c.reader;
      if (r == 0) {
        reader.end();
      } else {
        reader.feed(std::string_view(buffer, static_cast<size_t>(r)));
      }
      if (!reader.error().empty()) {
        throw HttpError(HttpError::Kind::kMalformed, fmt::format("a malformed answer to {}: {}", paths[i], reader.error()));
      }
      if (reader.complete()) {
        c.phase = Conn::Phase::kDone;
        c.fd.reset();
        --left;
        HttpResponse response = std::move(reader.response());
        c.reader.reset();
        on_response(i, std::move(response));
      }
    }
  }
}

}  // namespace grpcmesh::check::deep
