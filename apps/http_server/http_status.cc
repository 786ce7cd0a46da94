#include "apps/http_server/http_status.h"

namespace http {

std::string_view status_line(Status status) {
  switch (status) {
    case Status::kContinue:
      return "HTTP/1.1 100 Continue\r\n";
    case Status::kOk:
      return "HTTP/1.1 200 OK\r\n";
    case Status::kBadRequest:
      return "HTTP/1.1 400 Bad Request\r\n";
    case Status::kForbidden:
      return "HTTP/1.1 403 Forbidden\r\n";
    case Status::kNotFound:
      return "HTTP/1.1 404 Not Found\r\n";
    case Status::kMethodNotAllowed:
      return "HTTP/1.1 405 Method Not Allowed\r\n";
    case Status::kRequestTimeout:
      return "HTTP/1.1 408 Request Timeout\r\n";
    case Status::kPayloadTooLarge:
      return "HTTP/1.1 413 Payload Too Large\r\n";
    case Status::kExpectationFailed:
      return "HTTP/1.1 417 Expectation Failed\r\n";
    case Status::kHeaderFieldsTooLarge:
      return "HTTP/1.1 431 Request Header Fields Too Large\r\n";
    case Status::kInternalServerError:
      return "HTTP/1.1 500 Internal Server Error\r\n";
    case Status::kNotImplemented:
      return "HTTP/1.1 501 Not Implemented\r\n";
    case Status::kServiceUnavailable:
      return "HTTP/1.1 503 Service Unavailable\r\n";
    case Status::kVersionNotSupported:
      return "HTTP/1.1 505 HTTP Version Not Supported\r\n";
  }
  return "HTTP/1.1 500 Internal Server Error\r\n";
}

}  // namespace http
