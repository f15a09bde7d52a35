package io.infometis.installer.verify;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * The verification record in Schema Registry's wire format: magic byte 0, the 4-byte schema id, then the Avro
 * binary encoding of {@code {run: string, seq: int}} (zig-zag varints, length-prefixed UTF-8). Written by hand
 * because Confluent's serializers are not on Maven Central and the record has two fields.
 */
public final class AvroWire {
    public static final String SUBJECT = "infometis-verify-value";
    public static final String SCHEMA = "{\"type\":\"record\",\"name\":\"InfometisVerify\",\"namespace\":\"io.infometis\","
            + "\"fields\":[{\"name\":\"run\",\"type\":\"string\"},{\"name\":\"seq\",\"type\":\"int\"}]}";

    private AvroWire() {
    }

    public static byte[] encode(int schemaId, String run, int seq) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(0);
        out.writeBytes(ByteBuffer.allocate(4).putInt(schemaId).array());
        byte[] utf8 = run.getBytes(StandardCharsets.UTF_8);
        writeLong(out, utf8.length);
        out.writeBytes(utf8);
        writeLong(out, seq);
        return out.toByteArray();
    }

    private static void writeLong(ByteArrayOutputStream out, long v) {
        long z = (v << 1) ^ (v >> 63);
        while ((z & ~0x7FL) != 0) {
            out.write((int) ((z & 0x7F) | 0x80));
            z >>>= 7;
        }
        out.write((int) z);
    }
}
