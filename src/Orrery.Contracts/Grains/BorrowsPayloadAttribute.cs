namespace Orrery.Contracts.Grains;

/// <summary>
/// Marks a grain method that only borrows its request's payload: it reads the payload during the call and
/// keeps no reference to it (or to anything that views its memory) once its returned task has completed,
/// except by returning it as the reply's payload. A silo may then receive such payloads into pooled memory
/// that it reuses once the reply has been sent, instead of a fresh array per message. Unmarked methods own
/// the payloads they receive and may keep them.
/// </summary>
[AttributeUsage(AttributeTargets.Method, Inherited = false)]
public sealed class BorrowsPayloadAttribute : Attribute;
