package io.infometis.installer.progress;

import com.fasterxml.jackson.annotation.JsonValue;

public enum Severity {
    DEBUG, INFO, WARN, ERROR;

    @JsonValue
    public String label() {
        return name().toLowerCase();
    }
}
