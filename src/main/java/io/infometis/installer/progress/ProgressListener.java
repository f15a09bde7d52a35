package io.infometis.installer.progress;

/** A renderer of the one event stream (the console; the HTTP API reads snapshots instead). */
public interface ProgressListener {
    void onEvent(Event event, ProgressSnapshot snapshot);
}
