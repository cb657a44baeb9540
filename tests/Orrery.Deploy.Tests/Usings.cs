global using Orrery.Testing;
global using Xunit;
