package dev.voiceagent.support;

import java.util.Map;
import org.springframework.http.HttpStatus;
import org.springframework.http.ProblemDetail;
import org.springframework.web.ErrorResponseException;

/** Factory for the errors handlers raise; {@link ProblemErrorWebExceptionHandler} renders them. */
public final class Problems {

    private Problems() {
    }

    public static ErrorResponseException of(HttpStatus status, String title, String detail) {
        ProblemDetail problem = ProblemDetail.forStatusAndDetail(status, detail);
        problem.setTitle(title);
        return new ErrorResponseException(status, problem, null);
    }

    /** 400 naming the offending field, as {@code {"field": ..., "detail": ...}}. */
    public static ErrorResponseException invalidField(String field, String detail) {
        ProblemDetail problem = ProblemDetail.forStatusAndDetail(HttpStatus.BAD_REQUEST, field + ": " + detail);
        problem.setTitle("Invalid request");
        problem.setProperty("errors", java.util.List.of(Map.of("field", field, "detail", detail)));
        return new ErrorResponseException(HttpStatus.BAD_REQUEST, problem, null);
    }

    public static ErrorResponseException badRequest(String detail) {
        return of(HttpStatus.BAD_REQUEST, "Invalid request", detail);
    }

    public static ErrorResponseException notFound(String detail) {
        return of(HttpStatus.NOT_FOUND, "Not found", detail);
    }

    public static ErrorResponseException unauthorized(String detail) {
        return of(HttpStatus.UNAUTHORIZED, "Unauthorized", detail);
    }

    public static ErrorResponseException forbidden(String detail) {
        return of(HttpStatus.FORBIDDEN, "Forbidden", detail);
    }

    public static ErrorResponseException conflict(String detail) {
        return of(HttpStatus.CONFLICT, "Conflict", detail);
    }

    public static ErrorResponseException unavailable(String detail) {
        return of(HttpStatus.SERVICE_UNAVAILABLE, "Service unavailable", detail);
    }
}
