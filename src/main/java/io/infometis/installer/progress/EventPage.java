package io.infometis.installer.progress;

import java.util.List;

import io.quarkus.runtime.annotations.RegisterForReflection;

/** A page of events after {@code after}; read the next page with {@code after=next}. */
@RegisterForReflection
public record EventPage(List<Event> events, long next, boolean more) {
}
