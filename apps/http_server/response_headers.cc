#include "apps/http_server/response_headers.h"

#include <chrono>
#include <cstring>

namespace http {
namespace {

constexpr std::string_view kServer = "Server: reactor\r\n";
constexpr std::string_view kDate = "Date: ";
constexpr const char* kDays[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
constexpr const char* kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                   "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};

char* two_digits(char* out, int value) {
  out[0] = static_cast<char>('0' + value / 10);
  out[1] = static_cast<char>('0' + value % 10);
  return out + 2;
}

}  // namespace

ResponseHeaders::ResponseHeaders() {
  std::memcpy(block_.data(), kServer.data(), kServer.size());
  std::memcpy(block_.data() + kServer.size(), kDate.data(), kDate.size());
  block_[block_.size() - 2] = '\r';
  block_[block_.size() - 1] = '\n';
}

void ResponseHeaders::format_date(std::time_t time, char* out) {
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

void ResponseHeaders::refresh(reactor::Clock::time_point now) {
  timespec wall{};
  clock_gettime(CLOCK_REALTIME, &wall);
  format_date(wall.tv_sec, block_.data() + kServer.size() + kDate.size());
  // Due again when the wall clock's second changes.
  next_refresh_ = now + std::chrono::seconds(1) - std::chrono::nanoseconds(wall.tv_nsec);
}

}  // namespace http
