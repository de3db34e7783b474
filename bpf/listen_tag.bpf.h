/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * accept() runs no socket-creation hook, so a connection a target's
 * listener accepts would carry no mb_sockets tag. A target's TCP socket
 * therefore also keeps its tag in socket-local storage that the kernel
 * copies into each connection the socket accepts (BPF_F_CLONE, when the
 * listener is cloned at the handshake's end); net.bpf.c's sockops program
 * moves that copy into mb_sockets once the connection is established.
 */
#ifndef MB_LISTEN_TAG_BPF_H
#define MB_LISTEN_TAG_BPF_H

struct {
	__uint(type, BPF_MAP_TYPE_SK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC | BPF_F_CLONE);
	__type(key, int);
	__type(value, struct mb_sock);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} mb_listen_tags SEC(".maps");

#endif
