Console.WriteLine("Custom permission provider example: work in progress.");
