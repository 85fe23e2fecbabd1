using System.Runtime.CompilerServices;

// Every P/Invoke here passes only blittable values and pointers: no marshalling stubs, no marshalling start-up.
[assembly: DisableRuntimeMarshalling]
