#include "apps/http_server/response_cache.h"

#include <chrono>
#include <cstring>

#include "apps/http_server/http_status.h"

namespace http {
namespace {

constexpr std::string_view kServer = "Server: reactor\r\n";
constexpr std::string_view kDate = "Date: ";
constexpr std::string_view kPlaintextHeaders =
    "Content-Type: text/plain\r\nContent-Length: 13\r\n\r\n";
constexpr const char* kDays[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
constexpr const char* kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                   "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};

char* two_digits(char* out, int value) {
  out[0] = static_cast<char>('0' + value / 10);
  out[1] = static_cast<char>('0' + value % 10);
  return out + 2;
}

}  // namespace

ResponseCache::ResponseCache() {
  std::memcpy(common_.data(), kServer.data(), kServer.size());
  std::memcpy(common_.data() + kServer.size(), kDate.data(), kDate.size());
  common_[common_.size() - 2] = '\r';
  common_[common_.size() - 1] = '\n';
}

std::string_view ResponseCache::connection_line(ConnectionHeader connection) {
  switch (connection) {
    case ConnectionHeader::kNone:
      break;
    case ConnectionHeader::kKeepAlive:
      return "Connection: keep-alive\r\n";
    case ConnectionHeader::kClose:
      return "Connection: close\r\n";
  }
  return "";  // not a null view: it is copied with memcpy
}

void ResponseCache::format_date(std::time_t time, char* out) {
  std::tm utc{};
  gmtime_r(&time, &utc);
  std::memcpy(out, kDays[utc.tm_wday], 3);
  out[3] = ',';
  out[4] = ' ';
  char* p = two_digits(out + 5, utc.tm_mday);
  *p++ = ' ';
  std::memcpy(p, kMonths[utc.tm_mon], 3);
  p += 3;
  *p++ = ' ';
  const int year = utc.tm_year + 1900;
  p = two_digits(p, year / 100 % 100);
  p = two_digits(p, year % 100);
  *p++ = ' ';
  p = two_digits(p, utc.tm_hour);
  *p++ = ':';
  p = two_digits(p, utc.tm_min);
  *p++ = ':';
  p = two_digits(p, utc.tm_sec);
  std::memcpy(p, " GMT", 4);
}

void ResponseCache::refresh(reactor::Clock::time_point now) {
  timespec wall{};
  clock_gettime(CLOCK_REALTIME, &wall);
  format_date(wall.tv_sec, common_.data() + kServer.size() + kDate.size());
  for (std::size_t i = 0; i < plaintext_.size(); ++i) {
    Block& block = plaintext_[i];
    block.size = 0;
    for (const std::string_view part :
         {status_line(Status::kOk), std::string_view(common_.data(), common_.size()),
          connection_line(static_cast<ConnectionHeader>(i)), kPlaintextHeaders, kPlaintextBody}) {
      std::memcpy(block.bytes.data() + block.size, part.data(), part.size());
      block.size += part.size();
    }
  }
  // Due again when the wall clock's second changes.
  next_refresh_ = now + std::chrono::seconds(1) - std::chrono::nanoseconds(wall.tv_nsec);
}

}  // namespace http
