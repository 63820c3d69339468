/*
 * fuzz_hdrscan - what the scheduler reads of a queued message
 * (relay/hdrscan.c): its header section, the Received: count that decides
 * a mail loop, the 8-bit scan.
 *
 * Input: one byte giving the header bound (times 16), then the message.
 * Checks: the header section read is within the bound, within the message
 * and ends at a line end; the body starts within the message; the count
 * and the 8-bit scan agree with a plain look at the bytes.
 */
#include "fuzz.h"
#include "relay/hdrscan.h"

static int msg_fd;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	fuzz_quiet_log();
	msg_fd = fuzz_memfd("message");
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct str hdr = STR_INIT(1 << 20);
	unsigned long long body_off;
	size_t max, i, count;
	int eight = 0;

	if (size < 1)
		return 0;
	max = (size_t)data[0] * 16;
	data++;
	size--;
	fuzz_memfd_set(msg_fd, data, size);
	if (hdrscan_read(msg_fd, size, max, &hdr, &body_off) == 0) {
		if (hdr.len > max || hdr.len > size || body_off > size ||
		    (hdr.len && memcmp(hdr.s, data, hdr.len) != 0))
			abort();
		count = hdrscan_count(hdr.s ? hdr.s : "", hdr.len, "Received");
		if (count > hdr.len / 9 + 1)
			abort();	/* each needs "Received:" */
	}
	for (i = 0; i < size; i++)
		eight |= data[i] >= 0x80;
	if (hdrscan_has_8bit(msg_fd, size) != eight)
		abort();
	str_free(&hdr);
	return 0;
}
