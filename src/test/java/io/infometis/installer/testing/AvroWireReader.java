package io.infometis.installer.testing;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

import io.infometis.installer.verify.AvroWire;

/**
 * Reads what {@link AvroWire#encode} writes, as a consumer of the Schema Registry wire format does: magic byte 0,
 * the 4-byte schema id, then {@code run} (zig-zag varint length + UTF-8) and {@code seq} (zig-zag varint). The
 * installer only writes the record; this side is for the tests and the stand-in ksqlDB.
 */
public final class AvroWireReader {
    private AvroWireReader() {
    }

    /** @return {@code [schemaId, run, seq]} */
    public static Object[] decode(byte[] bytes) {
        ByteBuffer in = ByteBuffer.wrap(bytes);
        if (in.get() != 0) {
            throw new IllegalArgumentException("not the Schema Registry wire format (magic byte)");
        }
        int id = in.getInt();
        int len = (int) readLong(in);
        byte[] utf8 = new byte[len];
        in.get(utf8);
        int seq = (int) readLong(in);
        return new Object[] { id, new String(utf8, StandardCharsets.UTF_8), seq };
    }

    private static long readLong(ByteBuffer in) {
        long z = 0;
        int shift = 0;
        int b;
        do {
            b = in.get() & 0xFF;
            z |= (long) (b & 0x7F) << shift;
            shift += 7;
        } while ((b & 0x80) != 0);
        return (z >>> 1) ^ -(z & 1);
    }
}
