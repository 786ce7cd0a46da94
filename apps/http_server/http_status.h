// Status: the HTTP status codes the server answers with, and their status lines.
// Ownership: values only. Threads: any.
#pragma once

#include <string_view>

namespace http {

enum class Status : unsigned short {
  kContinue = 100,
  kOk = 200,
  kBadRequest = 400,
  kForbidden = 403,
  kNotFound = 404,
  kMethodNotAllowed = 405,
  kRequestTimeout = 408,
  kPayloadTooLarge = 413,
  kExpectationFailed = 417,
  kHeaderFieldsTooLarge = 431,
  kInternalServerError = 500,
  kNotImplemented = 501,
  kServiceUnavailable = 503,
  kVersionNotSupported = 505,
};

// "HTTP/1.1 200 OK\r\n" and so on: the whole status line, CRLF included.
std::string_view status_line(Status status);

}  // namespace http
