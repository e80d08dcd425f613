//! The otpkit demo (work in progress).
fn main() {
    println!("otpkit demo");
}
