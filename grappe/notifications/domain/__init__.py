"""Pure rules of the notifications app (no Django): the registry of notification kinds."""
