#!/usr/bin/env python3
"""An independent UDP echo client for the echo_server --udp tests.

usage: udp_echo_client.py HOST PORT SOCKETS ROUNDS

From SOCKETS sockets (each with its own source port, so that SO_REUSEPORT spreads them over the
server's threads) it sends ROUNDS rounds of datagrams of assorted sizes, the empty one and one
near the 64 KiB limit included, and waits for each echo before the next. Prints "ok N" (N
datagrams echoed) and exits 0, or prints what went wrong and exits 1. Every wait is bounded.
"""
import socket
import sys

SIZES = [0, 1, 7, 512, 1472, 9000, 65000]
TIMEOUT_S = 2.0


def payload(socket_index, round_index, size):
    seed = f"{socket_index}:{round_index}:{size}:".encode()
    return (seed * (size // len(seed) + 1))[:size]


def main():
    host, port, sockets, rounds = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    clients = []
    for _ in range(sockets):
        client = socket.socket(family, socket.SOCK_DGRAM)
        client.settimeout(TIMEOUT_S)
        client.connect((host, port))  # only the server's datagrams are received
        clients.append(client)
    echoed = 0
    for round_index in range(rounds):
        for socket_index, client in enumerate(clients):
            for size in SIZES:
                sent = payload(socket_index, round_index, size)
                client.send(sent)
                try:
                    received = client.recv(65536)
                except socket.timeout:
                    print(f"no echo of {size} bytes from socket {socket_index} within {TIMEOUT_S} s")
                    return 1
                if received != sent:
                    print(f"socket {socket_index} sent {size} bytes, got {len(received)} different")
                    return 1
                echoed += 1
    print(f"ok {echoed}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
