package dev.voiceagent.tools.scheduling;

/** A booking of a slot; {@code status} is {@code booked} or {@code cancelled}. */
public record Booking(String bookingId, Slot slot, String callerNumber, String toolCallId, String status) {
}
