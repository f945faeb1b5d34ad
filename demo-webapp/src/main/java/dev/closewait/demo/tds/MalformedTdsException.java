package dev.closewait.demo.tds;

import java.io.IOException;

/** The client sent bytes the TDS stand-in cannot read as the protocol; the session is closed. */
final class MalformedTdsException extends IOException {

    private static final long serialVersionUID = 1L;

    MalformedTdsException(String message) {
        super(message);
    }
}
