package io.infometis.installer.install;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.core.JsonProcessingException;

import io.infometis.installer.Json;
import io.infometis.installer.ExitCodes;
import io.infometis.installer.InstallerException;
import io.infometis.installer.host.AtomicFiles;
import io.infometis.installer.host.HostGate;
import io.infometis.installer.progress.State;
import io.quarkus.runtime.annotations.RegisterForReflection;

/**
 * What an install has done so far, in the state dir. Written atomically (temp, fsync, rename) after each phase
 * and each unit, so a rerun after {@code kill -9} resumes where it stopped and never reads half a file.
 * In a dry run it lives in memory only.
 */
public final class Journal {
    public static final int FORMAT_VERSION = 1;

    private final Path file;
    private final boolean persistent;
    private final Record earlier;
    private final boolean earlierCompleted;
    private Record record;

    private Journal(Path file, boolean persistent, Record record) {
        this.file = file;
        this.persistent = persistent;
        this.record = record;
        this.earlier = record.startedAt() == null ? null : record;
        // Read now: the phase records are updated in place as this run goes on.
        this.earlierCompleted = earlier != null && earlier.state() == State.SUCCEEDED
                && earlier.phases().values().stream().allMatch(p -> p.state().isDone());
    }

    /** Loads the journal, or starts an empty one; a dry run never writes it back. */
    public static Journal open(Path file, boolean dryRun) {
        Record r = null;
        if (Files.exists(file)) {
            try {
                r = Json.MAPPER.readValue(file.toFile(), Record.class);
            } catch (IOException e) {
                throw new InstallerException("journal " + file + " is unreadable (" + e.getMessage() + ")",
                        "move it aside to start over, or restore it", ExitCodes.FAILED, e);
            }
            if (r.formatVersion() != FORMAT_VERSION) {
                throw new InstallerException("journal " + file + " has format " + r.formatVersion() + ", this installer reads "
                        + FORMAT_VERSION, "finish with the installer that wrote it, or run 'infometis uninstall'",
                        ExitCodes.FAILED);
            }
        }
        return new Journal(file, !dryRun, r == null ? Record.empty() : r);
    }

    /** True when an earlier run left this journal: the install resumes it. */
    public boolean hasEarlierRun() {
        return earlier != null;
    }

    /** The final (or last) state of the earlier run, or Pending when there was none. */
    public State earlierState() {
        return earlier == null ? State.PENDING : earlier.state();
    }

    /**
     * True when an earlier run installed everything it planned (every phase Succeeded or Skipped, none left
     * Pending by {@code --until}) from the bundle with this digest: a rerun has nothing to do.
     */
    public boolean completedEarlier(String bundleDigest) {
        return earlierCompleted && java.util.Objects.equals(earlier.bundleDigest(), bundleDigest);
    }

    public synchronized State state() {
        return record.state();
    }

    public synchronized String bundleDigest() {
        return record.bundleDigest();
    }

    public synchronized void begin(String bundleDigest) {
        Instant now = Instant.now();
        record = new Record(FORMAT_VERSION, record.startedAt() == null ? now : record.startedAt(), now, State.RUNNING,
                bundleDigest != null ? bundleDigest : record.bundleDigest(), record.phases());
        save();
    }

    /**
     * Records the phases this run means to do, in order, as Pending unless an earlier run recorded them: a run
     * stopped by {@code --until} leaves the rest Pending, so a later full run does not count as "already done".
     */
    public synchronized void plan(List<String> phaseNames) {
        boolean changed = false;
        for (String name : phaseNames) {
            if (!record.phases().containsKey(name)) {
                record.phases().put(name, PhaseRecord.empty());
                changed = true;
            }
        }
        if (changed) {
            save();
        }
    }

    public synchronized void finish(State state) {
        record = new Record(FORMAT_VERSION, record.startedAt(), Instant.now(), state, record.bundleDigest(), record.phases());
        save();
    }

    public synchronized State phaseState(String phase) {
        PhaseRecord p = record.phases().get(phase);
        return p == null ? State.PENDING : p.state();
    }

    public synchronized void phase(String phase, State state, String message) {
        PhaseRecord old = record.phases().getOrDefault(phase, PhaseRecord.empty());
        Instant now = Instant.now();
        Instant started = state == State.RUNNING ? now : old.startedAt();
        Instant finished = state.isFinal() ? now : null;
        record.phases().put(phase, new PhaseRecord(state, started, finished, message, old.units()));
        save();
    }

    /** The unit's recorded state, e.g. an image already imported in an earlier, interrupted run. */
    public synchronized UnitRecord unit(String phase, String unit) {
        PhaseRecord p = record.phases().get(phase);
        return p == null ? null : p.units().get(unit);
    }

    public synchronized Map<String, UnitRecord> units(String phase) {
        PhaseRecord p = record.phases().get(phase);
        return p == null ? Map.of() : Map.copyOf(p.units());
    }

    /** Records one unit and writes the journal at once: a crash right after this line loses nothing. */
    public synchronized void unit(String phase, String unit, State state, String detail) {
        PhaseRecord p = record.phases().computeIfAbsent(phase, k -> PhaseRecord.empty());
        p.units().put(unit, new UnitRecord(state, detail, Instant.now()));
        save();
    }

    public Path file() {
        return file;
    }

    synchronized String toJson() {
        try {
            return Json.MAPPER.writerWithDefaultPrettyPrinter().writeValueAsString(record);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    private void save() {
        if (!persistent) {
            return;
        }
        try {
            AtomicFiles.write(file, toJson().getBytes(java.nio.charset.StandardCharsets.UTF_8), HostGate.perms("0600"));
        } catch (IOException e) {
            if (io.infometis.installer.NoSpace.is(e)) {
                throw io.infometis.installer.NoSpace.at("writing journal", file, e);
            }
            throw new InstallerException("writing journal " + file + ": " + e.getMessage(),
                    "check free space and permissions in the state dir", ExitCodes.FAILED, e);
        }
    }

    @RegisterForReflection
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Record(int formatVersion, Instant startedAt, Instant updatedAt, State state, String bundleDigest,
            Map<String, PhaseRecord> phases) {
        static Record empty() {
            return new Record(FORMAT_VERSION, null, null, State.PENDING, null, new LinkedHashMap<>());
        }

        public Record {
            phases = phases == null ? new LinkedHashMap<>() : new LinkedHashMap<>(phases);
        }
    }

    @RegisterForReflection
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record PhaseRecord(State state, Instant startedAt, Instant finishedAt, String message,
            Map<String, UnitRecord> units) {
        static PhaseRecord empty() {
            return new PhaseRecord(State.PENDING, null, null, null, new LinkedHashMap<>());
        }

        public PhaseRecord {
            units = units == null ? new LinkedHashMap<>() : new LinkedHashMap<>(units);
        }
    }

    @RegisterForReflection
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record UnitRecord(State state, String detail, Instant at) {
    }
}
