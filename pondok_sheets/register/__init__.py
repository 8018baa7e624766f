"""The rules of the register: statuses, tickets, validation, what a change means, who is told what. No I/O."""
