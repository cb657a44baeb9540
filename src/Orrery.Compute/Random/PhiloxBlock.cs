namespace Orrery.Compute.Random;

/// <summary>Four 32-bit words: a Philox counter or its output.</summary>
public readonly record struct PhiloxBlock(uint X0, uint X1, uint X2, uint X3);
