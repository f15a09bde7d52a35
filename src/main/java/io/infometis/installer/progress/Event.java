package io.infometis.installer.progress;

import java.time.Instant;

import io.quarkus.runtime.annotations.RegisterForReflection;

/** One entry of the install's event stream; {@code seq} starts at 1 and never repeats. */
@RegisterForReflection
public record Event(long seq, Instant time, Severity severity, String phase, String message) {
}
