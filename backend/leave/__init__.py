"""Leave requests (ใบลา): a family asks for sick or personal leave; the register shows it; the teacher answers."""
