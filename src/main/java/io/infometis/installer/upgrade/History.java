package io.infometis.installer.upgrade;

import java.time.Instant;
import java.util.List;

import com.fasterxml.jackson.annotation.JsonInclude;

import io.quarkus.runtime.annotations.RegisterForReflection;

/** {@code <state>/history.json}: every install, upgrade and rollback, oldest first. Entries are only ever appended. */
@RegisterForReflection
@JsonInclude(JsonInclude.Include.NON_NULL)
public record History(int formatVersion, List<Entry> entries) {
    public static final int FORMAT_VERSION = 1;

    public History {
        entries = entries == null ? List.of() : List.copyOf(entries);
    }

    /**
     * @param action  {@code install}, {@code upgrade}, {@code rollback}
     * @param from    the bundle before ({@code name version (digest)}), null for a first install
     * @param to      the bundle after
     * @param outcome {@code succeeded}, {@code rolled-back}
     * @param detail  why (the component that did not come up), or null
     */
    @RegisterForReflection
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Entry(Instant at, String action, String from, String to, String outcome, String detail) {
    }
}
